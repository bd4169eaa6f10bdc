// The SDK as people install it: `npm pack` makes the tarball, a temporary TypeScript
// project installs it (no registry needed: the package has no dependencies) and
// compiles small programs with `tsc --strict`, as ES module and as CommonJS. Programs
// that misuse the API must fail to compile, so the typings are real; the installed
// package must also load in Node (import and require) and from its `miniprogram`
// directory the way WeChat DevTools' 构建 npm uses it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLIENT = join(ROOT, 'client');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    // No DOM and no Node types: a mini-program project has neither, and the SDK's
    // typings must not need them.
    lib: ['es2022'],
    types: [],
  },
};

/** A program that uses the API as the README shows; it must compile. */
const GOOD_ESM = `
import {
  ArenaClient, wxTransport, browserTransport, sessionAuth, guestSession, wechatSession, wxStore, wxPost,
  openPrivateRoom, normalizeCode, ApiError,
  CLOSE_CODES, type FrameOf, type ServerFrame, type ConnectionState, type PrivateRoom,
} from 'edge-arena-client';

declare const wx: Parameters<typeof wxTransport>[0] & Parameters<typeof wechatSession>[0] & Parameters<typeof wxStore>[0];

const auth = sessionAuth(wechatSession(wx, 'https://arena.example.com'), { store: wxStore(wx) });
const client = new ArenaClient({ url: 'wss://arena.example.com/ws', name: 'n', auth, transport: wxTransport(wx), maxRetries: 10 });
const other = new ArenaClient({ url: 'wss://a/ws', transport: browserTransport(), auth: sessionAuth(guestSession('https://a')) });

type IsAny<T> = 0 extends 1 & T ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
let lastRound = 0;
client.on('result', (f) => {
  // f is the typed result frame, not any.
  const notAny: IsAny<typeof f> = false;
  const exact: Same<typeof f, Extract<ServerFrame, { type: 'result' }>> = true;
  void notAny; void exact;
  lastRound = f.round;
  const totals: number[] = f.seats.map((s) => s.total + s.score + s.streak);
  const hands: (string | null)[] = f.seats.map((s) => s.choice);
  void totals; void hands;
});
client.on('start', (f) => { const ms: number = f.ends_in_ms; void ms; });
const off = client.on('hi', (f) => { const resume: string = f.resume; void resume; });
off();
client.once('close', ({ code, reason }) => { const stop: boolean = code === CLOSE_CODES.Replaced; void stop; void reason; });
client.on('connection', (state: ConnectionState) => { void state; });
client.on('auth_error', (e) => { const final: boolean = e.final; const why: string = e.code; void final; void why; });
client.on('drop', (d) => { void d.code; });
client.on('frame', (f: ServerFrame) => { if (f.type === 'movement') void f.seat; });
const onResult = (f: FrameOf<'result'>) => { void f.seats; };
client.on('result', onResult);
client.off('result', onResult);
client.send({ type: 'choice', choice: 'rock' });
client.send({ type: 'face', face: 'laugh' });
client.connect();
client.wake();
client.reconnect();
client.leave();
other.close();
void lastRound;

// A private room: open it (with wx.request in a mini-program), then sit down by its code.
async function playAFriend(): Promise<ArenaClient> {
  const opened: PrivateRoom = await openPrivateRoom('https://arena.example.com', auth, { game: 'dig', post: wxPost(wx) });
  const byToken = await openPrivateRoom('https://a', 'token', { bots: true });
  const expires: number = opened.expires_at + byToken.expires_at;
  void expires;
  const code: string | null = normalizeCode('abc-def');
  const friend = new ArenaClient({ url: 'wss://a/ws', transport: wxTransport(wx), auth, join: code ?? opened.code });
  const fan = new ArenaClient({ url: 'wss://a/ws', transport: browserTransport(), join: opened.code, watch: true });
  const joined: string | null = friend.join;
  void joined; void fan;
  return friend;
}
playAFriend().catch((e: unknown) => { if (e instanceof ApiError) { const s: number = e.status; const c: string = e.error; void s; void c; } });
`;

/** The same from CommonJS (a .cts file compiles to require()). */
const GOOD_CJS = `
import { ArenaClient, browserTransport } = require('edge-arena-client');
const client = new ArenaClient({ url: 'wss://a/ws', transport: browserTransport() });
client.on('result', (f) => { const n: number = f.round; void n; });
export = client;
`.replace("import { ArenaClient, browserTransport } = require('edge-arena-client');", "import sdk = require('edge-arena-client');\nconst { ArenaClient, browserTransport } = sdk;");

/** Programs that must not compile, with the error each must get. */
const BAD = {
  'a field the frame does not have': [`client.on('result', (f) => { void f.nope; });`, 'TS2339'],
  'an event that does not exist': [`client.on('resutl', (f: unknown) => { void f; });`, 'TS2345'],
  'an option typo': [`new ArenaClient({ url: 'wss://a/ws', transport: browserTransport(), queuelimit: 3 });`, 'TS2561'],
  'a frame the server does not take': [`client.send({ type: 'choice', choice: 'lizard' });`, 'TS2322'],
  'a private room of a game that does not exist': [`import { openPrivateRoom } from 'edge-arena-client';\nvoid openPrivateRoom('https://a', 't', { game: 'chess' });`, 'TS2322'],
  'a join code that is not a string': [`new ArenaClient({ url: 'wss://a/ws', transport: browserTransport(), join: 123456 });`, 'TS2322'],
};
const BAD_PRELUDE = `import { ArenaClient, browserTransport } from 'edge-arena-client';\nconst client = new ArenaClient({ url: 'wss://a/ws', transport: browserTransport() });\nvoid client;\n`;

/** Runs tsc on `dir`; returns {status, output}. */
function tsc(dir) {
  const run = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the packed SDK in a strict TypeScript project', () => {
  let work;
  let project;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'arena-pack-'));
    // Build what the package ships (types, dist, miniprogram_dist), then pack it as is.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'sdk-bundle.mjs'), '--package'], { stdio: 'inherit' });
    execFileSync('npm', ['pack', '--ignore-scripts', '--loglevel=error', '--pack-destination', work], { cwd: CLIENT, env: NPM_ENV, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack made a tarball');
    project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--loglevel=error', '--no-package-lock', join(work, tarball)], { cwd: project, env: NPM_ENV, stdio: ['ignore', 'ignore', 'inherit'] });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** Writes a one-file project under `project/name` and compiles it. */
  const compile = (name, file, source) => {
    const dir = join(project, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), source);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, include: [file] }));
    return tsc(dir);
  };

  test('the tarball has the package files: README, LICENSE, ESM, CommonJS, types, miniprogram', () => {
    const installed = join(project, 'node_modules', 'edge-arena-client');
    const files = readdirSync(installed).sort();
    for (const f of ['LICENSE', 'README.md', 'dist', 'miniprogram_dist', 'package.json', 'src', 'types']) assert.ok(files.includes(f), f);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    assert.equal(pkg.miniprogram, 'miniprogram_dist');
    assert.ok(pkg.exports['.'].import && pkg.exports['.'].require);
    assert.match(readFileSync(join(installed, 'README.md'), 'utf8'), /TypeScript/);
  });

  test('an ES module program compiles with tsc --strict, and on(\'result\', f) types f', () => {
    const { status, output } = compile('esm', 'main.ts', GOOD_ESM);
    assert.equal(status, 0, output);
  });

  test('a CommonJS program compiles too', () => {
    const { status, output } = compile('cjs', 'main.cts', GOOD_CJS);
    assert.equal(status, 0, output);
  });

  for (const [i, [what, [line, code]]] of Object.entries(BAD).entries()) {
    test(`misuse does not compile: ${what} (${code})`, () => {
      const { status, output } = compile(`bad-${i}-${code}`, 'main.ts', BAD_PRELUDE + line);
      assert.notEqual(status, 0, `compiled: ${line}`);
      assert.match(output, new RegExp(`error ${code}`), output);
    });
  }

  test('the installed package loads in Node with import and with require', () => {
    const script = `
      const esm = await import('edge-arena-client');
      const { createRequire } = await import('node:module');
      const cjs = createRequire(import.meta.url)('edge-arena-client');
      console.log(JSON.stringify([typeof esm.ArenaClient, typeof cjs.ArenaClient, cjs.CLOSE_CODES.Replaced, esm.SUBPROTOCOL]));
    `;
    writeFileSync(join(project, 'load.mjs'), script);
    const out = execFileSync(process.execPath, [join(project, 'load.mjs')], { cwd: project, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), ['function', 'function', 4001, 'edge-arena']);
  });

  test('miniprogram_dist/index.js is CommonJS a mini-program can require (no Node, no browser globals)', () => {
    const file = join(project, 'node_modules', 'edge-arena-client', 'miniprogram_dist', 'index.js');
    const module = { exports: {} };
    const context = vm.createContext({ console, setTimeout, clearTimeout });
    vm.runInContext(`(function (module, exports) {${readFileSync(file, 'utf8')}\n})`, context)(module, module.exports);
    assert.equal(typeof module.exports.ArenaClient, 'function');
    assert.equal(typeof module.exports.wxTransport, 'function');
  });
});
