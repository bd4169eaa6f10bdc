// The chaos scenario, small (bench/chaos.sh runs it at full size): 20 players in 10 rooms
// play 2 s rounds through the real SDK for about a minute while the server is crashed
// once (SIGKILL of the process group, restart on the same storage) and deployed once (a
// graceful stop, then a new version). Every invariant of bench/chaos/invariants.mjs must
// hold: rounds settled once by the rule, stats equal to the results sent, one person per
// seat and one seat per person, and everyone back in their seat within the grace.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runChaos } from '../bench/chaos/scenario.mjs';

test('crash and deploy under play: nothing lost, nothing counted twice', { timeout: 240_000 }, async () => {
  const run = await runChaos({
    players: 20,
    roundMs: 2000,
    durationS: 50,
    faultEveryS: [15, 20],
    maxFaults: 2,
    statsFlushMs: 2000,
    seed: 7,
    log: (line) => console.log(`# ${line}`),
  });
  console.log(`# figures: ${JSON.stringify(run.figures)}`);
  assert.deepEqual(run.violations, [], 'every invariant holds');

  const f = run.figures;
  assert.deepEqual(f.faults.map((x) => x.kind), ['crash', 'deploy']);
  // The run did what it says: rooms played through both faults, and every player was
  // owed (and got) their seat back after each.
  assert.equal(f.rooms, 10);
  assert.ok(f.rounds_settled >= 10 * 8, `${f.rounds_settled} rounds settled`);
  assert.equal(f.resumes_expected, 2 * 20);
  assert.equal(f.resumes_in_grace, 2 * 20);
  assert.ok(f.rounds_running_at_faults >= 1, 'a fault struck while rounds were running');
  assert.equal(f.of_them_settled, f.rounds_running_at_faults);
  assert.equal(f.choices_unanswered, 0);
});
