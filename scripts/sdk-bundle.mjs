// Builds the client SDK (client/src) for its homes:
// - client/types/*.d.ts: the typings, made from the SDK's JSDoc by `tsc` (which also
//   checks the JavaScript against it, strict), plus the generated protocol.d.ts;
// - client/dist/index.cjs (+ index.d.cts): CommonJS for Node's require;
// - client/miniprogram_dist/index.js: what WeChat DevTools' 构建 npm copies into a
//   mini-program (the package's `miniprogram` field);
// - examples/miniprogram/utils/arena.js (+ arena.d.ts, arena-types/): CommonJS for
//   mini-programs, ES2017 syntax, with its typings; committed, so the example opens in
//   WeChat DevTools as it is (a test checks it is current: `npm run sdk` rewrites it);
// - public/vendor/arena.js: an ES module for the web page.
// Only the example's copy is committed; the rest is built (here, by scripts/build.sh,
// and by `npm pack` in client/ through its prepack script).
// With --check, only compares the example's bundle and typings and fails if stale; with
// --package, only builds client/types, client/dist and client/miniprogram_dist.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLIENT = join(ROOT, 'client');
const entry = join(CLIENT, 'src/index.js');
const banner = '// Edge Arena client SDK, bundled from client/src by `npm run sdk`. Do not edit.';
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

export async function bundle(format) {
  const out = await build({
    entryPoints: [entry], bundle: true, write: false, format, target: 'es2017',
    platform: 'neutral', banner: { js: banner }, legalComments: 'none',
  });
  return out.outputFiles[0].text;
}

/** Runs tsc on the SDK (checks its JSDoc types, strict) and writes the typings to `outDir`. */
export function buildTypes(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [TSC, '-p', join(CLIENT, 'tsconfig.json'), '--outDir', outDir], { encoding: 'utf8' });
  if (run.status !== 0) {
    console.error(`tsc found type errors in client/src:\n${run.stdout}${run.stderr}`);
    process.exit(1);
  }
  cpSync(join(CLIENT, 'src/protocol.d.ts'), join(outDir, 'protocol.d.ts'));
}

const MINIPROGRAM = join(ROOT, 'examples/miniprogram/utils/arena.js');
const MINIPROGRAM_TYPES = join(ROOT, 'examples/miniprogram/utils/arena-types');
const MINIPROGRAM_DTS = join(ROOT, 'examples/miniprogram/utils/arena.d.ts');
const MINIPROGRAM_DTS_TEXT = `// Typings of arena.js (the bundled SDK), made by \`npm run sdk\`. Do not edit.\nexport * from './arena-types/index.js';\n`;
const WEB = join(ROOT, 'public/vendor/arena.js');
// CommonJS typings beside the CommonJS build: the same declarations, re-exported.
const CJS_DTS = "// Typings of index.cjs: the ES module's, re-exported.\nexport * from '../types/index.js';\n";

/** The files of a directory, name → text. */
const filesOf = (dir) => {
  try {
    return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  } catch {
    return {};
  }
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cjs = await bundle('cjs');
  if (process.argv.includes('--check')) {
    const stale = [];
    if (readFileSync(MINIPROGRAM, 'utf8') !== cjs) stale.push(MINIPROGRAM);
    const tmp = mkdtempSync(join(tmpdir(), 'arena-types-'));
    try {
      buildTypes(tmp);
      if (JSON.stringify(filesOf(tmp)) !== JSON.stringify(filesOf(MINIPROGRAM_TYPES))) stale.push(MINIPROGRAM_TYPES);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    let dts = '';
    try { dts = readFileSync(MINIPROGRAM_DTS, 'utf8'); } catch { /* missing: stale */ }
    if (dts !== MINIPROGRAM_DTS_TEXT) stale.push(MINIPROGRAM_DTS);
    if (stale.length) {
      console.error(`stale: ${stale.join(', ')}: run \`npm run sdk\` and commit them`);
      process.exit(1);
    }
  } else {
    buildTypes(join(CLIENT, 'types'));
    for (const dir of ['dist', 'miniprogram_dist']) mkdirSync(join(CLIENT, dir), { recursive: true });
    writeFileSync(join(CLIENT, 'dist/index.cjs'), cjs);
    writeFileSync(join(CLIENT, 'dist/index.d.cts'), CJS_DTS);
    writeFileSync(join(CLIENT, 'miniprogram_dist/index.js'), cjs);
    if (!process.argv.includes('--package')) {
      rmSync(MINIPROGRAM_TYPES, { recursive: true, force: true });
      cpSync(join(CLIENT, 'types'), MINIPROGRAM_TYPES, { recursive: true });
      writeFileSync(MINIPROGRAM_DTS, MINIPROGRAM_DTS_TEXT);
      writeFileSync(MINIPROGRAM, cjs);
      mkdirSync(dirname(WEB), { recursive: true });
      writeFileSync(WEB, await bundle('esm'));
    }
  }
}
