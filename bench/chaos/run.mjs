#!/usr/bin/env node
// One chaos run from the command line (bench/chaos.sh runs it at the size):
//
//   node bench/chaos/run.mjs --players 200 --round-ms 2000 --duration-s 600 \
//       --fault-every-s 45,75 --seed 1 --json out.json
//
// Prints the figures and every broken invariant; exits 1 if any invariant broke.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { runChaos } from './scenario.mjs';

const { values } = parseArgs({
  options: {
    players: { type: 'string', default: '200' },
    'round-ms': { type: 'string', default: '2000' },
    'duration-s': { type: 'string', default: '600' },
    'fault-every-s': { type: 'string', default: '45,75' },
    'max-faults': { type: 'string' },
    'grace-ms': { type: 'string', default: '30000' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    'server-log': { type: 'string' },
  },
});
const [lo, hi] = values['fault-every-s'].split(',').map(Number);
const started = new Date();
const log = (line) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
const run = await runChaos({
  players: Number(values.players),
  roundMs: Number(values['round-ms']),
  durationS: Number(values['duration-s']),
  faultEveryS: [lo, hi ?? lo],
  maxFaults: values['max-faults'] ? Number(values['max-faults']) : Infinity,
  graceMs: Number(values['grace-ms']),
  seed: Number(values.seed),
  log,
});
const report = { started: started.toISOString(), seed: Number(values.seed), figures: run.figures, violations: run.violations };
console.log(JSON.stringify(report.figures, null, 2));
if (run.violations.length) {
  console.log(`${run.violations.length} broken invariants:`);
  for (const v of run.violations.slice(0, 50)) console.log(`  ${v.rule}: ${v.detail}`);
} else {
  console.log('every invariant held');
}
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
if (values['server-log']) writeFileSync(values['server-log'], run.serverLog);
process.exit(run.violations.length ? 1 : 0);
