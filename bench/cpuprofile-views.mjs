// Two views of a .cpuprofile (bench/cpuprofile.mjs records them; BENCH_CPU_PROFILE in
// bench/run.sh) that its self-time list does not give:
//
//   node bench/cpuprofile-views.mjs <file> inclusive [N]
//     the N functions (default 80) with the most samples on the stack, each sample
//     counted once per function however deep it recurses, as a share of the samples
//     that were not idle;
//   node bench/cpuprofile-views.mjs <file> under <name> [regex]
//     of the samples whose stack holds a function whose name contains <name>: which
//     function matching <regex> (default: any) comes first below it. With a regex for
//     our own and the runtime's functions, that is where a handler's time goes once
//     wasm-bindgen's glue is skipped over.
//
// wasm names need a build that keeps them (see bench/cpuprofile.mjs). Names lose their
// `::h<hash>` suffix; JavaScript functions get their file and line.
import { readFileSync } from 'node:fs';

const [file, view, ...rest] = process.argv.slice(2);
if (!file || !['inclusive', 'under'].includes(view)) {
  console.error('usage: cpuprofile-views.mjs <file> inclusive [N] | under <name> [regex]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);

function nameOf(node) {
  const frame = node.callFrame;
  const name = (frame.functionName || '(anonymous)').replace(/::h[0-9a-f]{16}\b.*$/, '');
  const js = frame.url && !frame.url.includes('wasm');
  return js ? `${name} ${frame.url.split('/').pop()}:${frame.lineNumber}` : name;
}

/** The names on a sample's stack, root first. */
function stackOf(id) {
  const names = [];
  for (let at = id; at !== undefined; at = parentOf.get(at)) names.push(nameOf(nodes.get(at)));
  return names.reverse();
}

const samplesAt = new Map();
for (const id of profile.samples) samplesAt.set(id, (samplesAt.get(id) ?? 0) + 1);
const stacks = [...samplesAt].map(([id, count]) => ({ names: stackOf(id), count }));
const pct = (n, of) => `${((100 * n) / of).toFixed(1).padStart(5)}%`;

if (view === 'inclusive') {
  const limit = Number(rest[0] ?? 80);
  const total = stacks.reduce((sum, s) => sum + s.count, 0);
  const busy = total - stacks.filter((s) => s.names.includes('(idle)')).reduce((sum, s) => sum + s.count, 0);
  const onStack = new Map();
  for (const { names, count } of stacks) {
    for (const name of new Set(names)) onStack.set(name, (onStack.get(name) ?? 0) + count);
  }
  console.log(`samples: ${total}, not idle: ${busy}`);
  const rows = [...onStack]
    .filter(([name]) => name !== '(root)' && name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit);
  for (const [name, count] of rows) console.log(`${pct(count, busy)} ${String(count).padStart(6)}  ${name}`);
} else {
  const [target, pattern = '.'] = rest;
  const wanted = new RegExp(pattern);
  const below = new Map();
  let total = 0;
  for (const { names, count } of stacks) {
    const at = names.findIndex((n) => n.includes(target));
    if (at < 0) continue;
    total += count;
    const next = names.slice(at + 1).find((n) => wanted.test(n) && !n.includes(target)) ?? '(itself)';
    below.set(next, (below.get(next) ?? 0) + count);
  }
  console.log(`${target}: ${total} samples`);
  for (const [name, count] of [...below].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${String(count).padStart(6)} ${pct(count, total)}  ${name}`);
  }
}
