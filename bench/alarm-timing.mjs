// Summarises the `DEBUG_TIMING` lines a run of Edge Arena logged: how late each house
// alarm fired, when its frames were handed to the sockets and when its writes were
// durable (all after it fired), and how long each round's `start` waited to go out.
//
//   BENCH_OURS_VARS="DEBUG_TIMING:1" BENCH_LOG_LEVEL=log BENCH_TARGETS=ours \
//     BENCH_SCENARIO=vs_rounds BENCH_PROFILE=versus bash bench/run.sh
//   node bench/alarm-timing.mjs bench/results/<time>/ours.wrangler.log
//
// Prints one line per figure: how many, p50, p90, p99 and max, in ms.
import { readFileSync } from 'node:fs';
import { quantile } from './chaos/invariants.mjs';

const [log] = process.argv.slice(2);
if (!log) {
  console.error('usage: node bench/alarm-timing.mjs <ours.wrangler.log>');
  process.exit(2);
}

const figures = { 'alarm fired late': [], 'frames sent': [], 'writes durable': [], 'start held': [] };
for (const line of readFileSync(log, 'utf8').split('\n')) {
  const alarm = line.match(/alarm fired (-?\d+) ms after it was due; frames sent (\d+) ms and durable (\d+) ms/);
  if (alarm) {
    figures['alarm fired late'].push(Number(alarm[1]));
    figures['frames sent'].push(Number(alarm[2]));
    figures['writes durable'].push(Number(alarm[3]));
  }
  const start = line.match(/went out (\d+) ms after it was decided/);
  if (start) figures['start held'].push(Number(start[1]));
}

for (const [name, values] of Object.entries(figures)) {
  if (values.length === 0) {
    console.log(`${name}: none logged`);
    continue;
  }
  const [p50, p90, p99] = [0.5, 0.9, 0.99].map((p) => quantile(values, p));
  console.log(`${name}: ${values.length}, p50 ${p50}, p90 ${p90}, p99 ${p99}, max ${Math.max(...values)}`);
}
