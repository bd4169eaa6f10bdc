// The chaos run's invariants (bench/chaos/invariants.mjs) on hand-written diaries: a
// clean run passes, and each kind of breakage is caught by its own rule. Without these,
// a check that can never fail would make every chaos run look clean.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { check } from '../bench/chaos/invariants.mjs';

const seatResult = (seat, choice, base, streak, total) => ({ seat, choice, base, score: base > 0 ? base * streak : 0, total, streak });
// Round 1: rock beats scissors. Round 2: paper beats rock (seat 1 wins; seat 0's streak ends).
const R1 = [seatResult(0, 'rock', 1, 1, 1), seatResult(1, 'scissors', -1, 0, 0)];
const R2 = [seatResult(0, 'rock', -1, 0, 1), seatResult(1, 'paper', 1, 1, 1)];

/** Two players in room A for two rounds, a crash between them, both resumed. */
function cleanRun() {
  const diary = (name, seat, choices) => ({
    name,
    diary: [
      { t: 0, kind: 'hi', room: 'A', seat, resumed: false },
      { t: 10, kind: 'start', room: 'A', round: 1, names: [[0, 'a'], [1, 'b']] },
      { t: 20, kind: 'sent', room: 'A', round: 1, choice: choices[0] },
      { t: 100, kind: 'result', room: 'A', seat, round: 1, seats: R1 },
      { t: 200, kind: 'drop', code: 1006, reason: '' },
      { t: 1500, kind: 'hi', room: 'A', seat, resumed: true },
      { t: 1600, kind: 'start', room: 'A', round: 2, names: [[0, 'a'], [1, 'b']] },
      { t: 1610, kind: 'sent', room: 'A', round: 2, choice: choices[1] },
      { t: 1700, kind: 'result', room: 'A', seat, round: 2, seats: R2 },
    ],
  });
  return {
    players: [diary('a', 0, ['rock', 'rock']), diary('b', 1, ['scissors', 'paper'])],
    faults: [{ kind: 'crash', at: 150, up: 1000 }],
    stats: {
      a: { rounds: 2, total: 1, wins: 1, best_streak: 1 },
      b: { rounds: 2, total: 1, wins: 1, best_streak: 1 },
    },
    graceMs: 30_000,
  };
}

const rulesBroken = (run) => [...new Set(check(run).violations.map((v) => v.rule))].sort();

describe('chaos invariants', () => {
  test('a clean run breaks none and its figures add up', () => {
    const { violations, figures } = check(cleanRun());
    assert.deepEqual(violations, []);
    assert.equal(figures.rounds_settled, 2);
    assert.equal(figures.resumes_expected, 2);
    assert.equal(figures.resumes_in_grace, 2);
    assert.deepEqual(figures.back_in_seat_after_server_up_ms, { p50: 500, p99: 500, max: 500 });
    assert.equal(figures.choices_sent, 4);
    assert.equal(figures.choices_unanswered, 0);
    assert.equal(figures.choices_in_results, 4);
    assert.deepEqual(figures.closes_by_code, { 1006: 2 });
  });

  test('two different results for one round', () => {
    const run = cleanRun();
    run.players[1].diary[3] = { ...run.players[1].diary[3], seats: [seatResult(0, 'rock', 0, 0, 0), seatResult(1, 'rock', 0, 0, 0)] };
    assert.ok(rulesBroken(run).includes('settled_once'));
  });

  test('a result that breaks the scoring rule', () => {
    const run = cleanRun();
    const bad = [seatResult(0, 'rock', 1, 1, 1), { ...seatResult(1, 'scissors', -1, 0, 0), base: 1 }];
    for (const p of run.players) p.diary[3] = { ...p.diary[3], seats: bad };
    assert.deepEqual(rulesBroken(run), ['scoring_rule', 'stats_match_results']);
  });

  test('a total that does not carry over from the round before', () => {
    const run = cleanRun();
    const bad = [seatResult(0, 'rock', -1, 0, 0), seatResult(1, 'paper', 1, 1, 1)];
    for (const p of run.players) p.diary[8] = { ...p.diary[8], seats: bad };
    assert.deepEqual(rulesBroken(run), ['scoring_rule']);
  });

  test('a round that started and never settled', () => {
    const run = cleanRun();
    for (const p of run.players) p.diary.splice(8, 1);
    run.stats.a = { rounds: 1, total: 1, wins: 1, best_streak: 1 };
    run.stats.b = { rounds: 1, total: 0, wins: 0, best_streak: 0 };
    assert.deepEqual(rulesBroken(run), ['round_lost']);
    assert.equal(check(run).figures.choices_unanswered, 2);
  });

  test('a seat given to two people at once', () => {
    const run = cleanRun();
    // c is told it holds seat 1 of A while b still plays there.
    run.players.push({ name: 'c', diary: [{ t: 1550, kind: 'hi', room: 'A', seat: 1, resumed: false }, { t: 1650, kind: 'room', room: 'A' }] });
    run.stats.c = { rounds: 0, total: 0, wins: 0, best_streak: 0 };
    assert.deepEqual(rulesBroken(run), ['one_person_per_seat']);
  });

  test('one person seated in two rooms', () => {
    const run = cleanRun();
    // The room B shows a seated again while room A goes on with them.
    run.players.push({ name: 'd', diary: [
      { t: 50, kind: 'start', room: 'B', round: 1, names: [[0, 'a'], [1, 'd']] },
    ] });
    run.stats.d = { rounds: 0, total: 0, wins: 0, best_streak: 0 };
    assert.ok(rulesBroken(run).includes('one_seat_per_person'));
  });

  test('stats that count a round twice, or miss one', () => {
    const run = cleanRun();
    run.stats.a = { ...run.stats.a, rounds: 3 };
    run.stats.b = { ...run.stats.b, total: 0 };
    const v = check(run).violations;
    assert.deepEqual(v.map((x) => x.rule), ['stats_match_results', 'stats_match_results']);
  });

  test('how long each player had for a round, and hands refused although sent in time', () => {
    const run = cleanRun();
    // Round 1 ran 90 ms as a saw it (start at 10, result at 100); round 2 100 ms.
    assert.deepEqual(check(run).figures.round_seen_ms, { min: 90, p1: 90, p50: 100 });
    // b's round-2 hand went out on an open socket 10 ms into a 2 s round and was refused.
    const b = run.players[1].diary;
    b[6] = { ...b[6], ends_in_ms: 2000 };
    b[7] = { ...b[7], state: 'open' };
    b.splice(8, 0, { t: 1620, kind: 'error', code: 'not_in_round' });
    const { figures } = check(run);
    assert.equal(figures.hands_sent_open_in_first_90pct, 1);
    assert.equal(figures.of_them_refused_not_in_round, 1);
  });

  test('a player who came back inside the grace but did not get the seat back', () => {
    const run = cleanRun();
    run.players[0].diary[5] = { ...run.players[0].diary[5], resumed: false };
    assert.deepEqual(rulesBroken(run), ['resumed_in_grace']);
    // Past the grace nobody is owed the seat.
    run.faults[0].up = 40_000;
    assert.deepEqual(rulesBroken(run), []);
  });
});
