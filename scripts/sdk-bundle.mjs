// Bundles the client SDK (client/src) for its two homes:
// - examples/miniprogram/utils/arena.js: CommonJS for mini-programs, ES2017 syntax;
//   committed, so the example opens in WeChat DevTools as it is (a test checks it is
//   current: `npm run sdk` rewrites it);
// - public/vendor/arena.js: an ES module for the web page (built, not committed).
// With --check, only compares the mini-program bundle and fails if it is stale.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(ROOT, 'client/src/index.js');
const banner = '// Edge Arena client SDK, bundled from client/src by `npm run sdk`. Do not edit.';

export async function bundle(format) {
  const out = await build({
    entryPoints: [entry], bundle: true, write: false, format, target: 'es2017',
    platform: 'neutral', banner: { js: banner }, legalComments: 'none',
  });
  return out.outputFiles[0].text;
}

const MINIPROGRAM = join(ROOT, 'examples/miniprogram/utils/arena.js');
const WEB = join(ROOT, 'public/vendor/arena.js');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cjs = await bundle('cjs');
  if (process.argv.includes('--check')) {
    if (readFileSync(MINIPROGRAM, 'utf8') !== cjs) {
      console.error(`${MINIPROGRAM} is stale: run \`npm run sdk\` and commit it`);
      process.exit(1);
    }
  } else {
    writeFileSync(MINIPROGRAM, cjs);
    mkdirSync(dirname(WEB), { recursive: true });
    writeFileSync(WEB, await bundle('esm'));
  }
}
