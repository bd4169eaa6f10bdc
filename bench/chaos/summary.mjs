#!/usr/bin/env node
// Median and range of every numeric figure over several chaos runs' JSON reports:
//   node bench/chaos/summary.mjs run-1.json run-2.json run-3.json
import { readFileSync } from 'node:fs';

const reports = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')));

/** Every numeric leaf of an object, by dotted path. */
function leaves(value, path = '', out = {}) {
  if (typeof value === 'number') out[path] = value;
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

const flat = reports.map((r) => leaves(r.figures));
const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
const figures = {};
for (const path of paths) {
  const values = flat.map((f) => f[path]).filter((v) => v !== undefined).sort((a, b) => a - b);
  figures[path] = { median: values[Math.floor((values.length - 1) / 2)], min: values[0], max: values.at(-1), runs: values };
}
const summary = {
  runs: reports.length,
  seeds: reports.map((r) => r.seed),
  broken_invariants_per_run: reports.map((r) => r.violations.length),
  faults: reports.map((r) => r.figures.faults),
  figures,
};
console.log(JSON.stringify(summary, null, 2));
