// Records a CPU profile of the Worker's isolate through wrangler dev's inspector port and
// prints where the time went (self time per function, the top of the list).
//
//   node bench/cpuprofile.mjs <inspector-port> <seconds> [out.cpuprofile]
//
// Names of wasm functions show only in a build that keeps them:
//   CARGO_PROFILE_RELEASE_STRIP=false worker-build --release --no-opt
// bench/run.sh runs this during the load when BENCH_CPU_PROFILE=1.
import { writeFileSync } from 'node:fs';

const [port, seconds = '20', out] = process.argv.slice(2);
if (!port) {
  console.error('usage: node bench/cpuprofile.mjs <inspector-port> <seconds> [out.cpuprofile]');
  process.exit(2);
}

const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
const target = targets.find((t) => t.webSocketDebuggerUrl);
if (!target) throw new Error(`no debuggable target on port ${port}: ${JSON.stringify(targets)}`);

// The inspector refuses upgrades without an Origin header, which browsers always send.
const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: `http://127.0.0.1:${port}` } });
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = reject;
});
let nextId = 1;
const pending = new Map();
ws.onmessage = (ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.id && pending.has(msg.id)) {
    pending.get(msg.id)(msg);
    pending.delete(msg.id);
  }
};
const call = (method, params = {}) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
  ws.send(JSON.stringify({ id, method, params }));
});

await call('Profiler.enable');
await call('Profiler.setSamplingInterval', { interval: 200 });
await call('Profiler.start');
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
const { profile } = await call('Profiler.stop');
ws.close();
if (out) writeFileSync(out, JSON.stringify(profile));

// Self time per function name: samples that landed in it, times the sampling interval.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
let total = 0;
for (const [id, n] of counts) {
  const node = byId.get(id);
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber}` : ''}`.trim();
  self.set(name, (self.get(name) ?? 0) + n);
  total += n;
}
const busy = total - (self.get('(idle)') ?? 0) - (self.get('(program)') ?? 0);
console.log(`samples: ${total}, not idle: ${busy}`);
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 40));
for (const [name, n] of rows) {
  console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${String(n).padStart(6)}  ${name.slice(0, 150)}`);
}
// The inspector may never answer the close above, which would keep this process (and
// bench/run.sh waiting for it) alive after the report.
process.exit(0);
