// Starts the built Worker in real workerd through `wrangler dev`, on free ports with a
// fresh local storage directory, and stops it (and every child process) afterwards.
//
// The wasm is built once by scripts/test.sh; EDGE_ARENA_PREBUILT=1 makes wrangler's
// [build] command a no-op so starting a server takes seconds, not a rebuild.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');

/** A TCP port nobody is listening on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set();
// Storage directories this process made. A test that restarts a server on the same
// storage (`persistTo`) kills the first and stops the second, and neither removes the
// directory; each run used to leave two or three under /tmp.
const madeDirs = new Set();
// Last line of defence: never leave a server or its storage behind, even when a test
// crashes or the run is interrupted. Servers live in their own process groups, so a
// signal to the test runner does not reach them by itself.
function killAll() {
  for (const child of running) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/** The token secret test servers sign with (tests mint their own tokens with it). */
export const TEST_SECRET = 'test-secret-of-exactly-forty-bytes-long!';

/** What every test server gets unless a test says otherwise. */
const DEFAULT_VARS = { TOKEN_SECRET: TEST_SECRET, ALLOW_GUESTS: '1' };

/**
 * Starts a server. `vars` (over DEFAULT_VARS) become `--var KEY:VALUE`. Pass `persistTo` to reuse a storage
 * directory (a restart); otherwise a fresh one is made and removed on stop.
 */
export async function startServer({ vars = {}, persistTo, port } = {}) {
  const dir = persistTo ?? mkdtempSync(join(tmpdir(), 'edge-arena-'));
  if (!persistTo) madeDirs.add(dir);
  port = port ?? (await freePort());
  const inspector = await freePort();
  const args = [
    'dev', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspector), '--persist-to', dir,
    '--show-interactive-dev-session=false', '--log-level', 'log',
  ];
  for (const [key, value] of Object.entries({ ...DEFAULT_VARS, ...vars })) args.push('--var', `${key}:${value}`);
  const child = spawn(join(BIN, 'wrangler'), args, {
    cwd: ROOT,
    detached: true, // own process group: stop() takes wrangler and workerd together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${BIN}:${process.env.PATH}`,
      EDGE_ARENA_PREBUILT: '1',
      WRANGLER_SEND_METRICS: 'false',
      NO_COLOR: '1',
    },
  });
  running.add(child);
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));

  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    dir,
    log: () => log,
    /** SIGKILL the whole process group, as a crash would. Storage stays. */
    async kill() {
      if (!running.has(child)) return;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      await exited;
      running.delete(child);
    },
    /** Graceful stop; removes the storage directory unless it was passed in. */
    async stop() {
      if (running.has(child)) {
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
        const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
        await exited;
        clearTimeout(timer);
        // workerd may outlive wrangler by a moment; make sure the group is gone.
        try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
        running.delete(child);
      }
      if (!persistTo) {
        rmSync(dir, { recursive: true, force: true });
        madeDirs.delete(dir);
      }
    },
  };

  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${log}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return server;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  await server.stop();
  throw new Error(`wrangler dev did not become healthy in 90 s:\n${log}`);
}
