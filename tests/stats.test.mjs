// Player stats, leaderboard and room listing against the real server: what the APIs
// say must be what the clients saw, survive a restart, and count each round once even
// when the tick that settled it fails and the alarm runs it again (DEBUG_FAIL_ALARM_ONCE
// makes the first tick that delivers records in every room instance, by its timer or its
// alarm, deliver them, fail, and so deliver them again), and when stats shards throw on
// their next requests (armed through POST /debug/stats/:shard/fail).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Player, expectedResult, leaveAll } from './support/client.mjs';
import { startServer } from './support/server.mjs';

const VARS = {
  ROUND_MS: 1200, BOT_WAIT_MS: 600000, RESUME_GRACE_MS: 30000,
  STATS_SHARDS: 4, DEBUG_ROUTES: 1, DEBUG_FAIL_ALARM_ONCE: 1,
  // Rounds of 1.2 s within a 3 s window: records reach the shards in batches.
  STATS_FLUSH_MS: 3000,
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('stats, leaderboard and rooms', () => {
  let server;
  before(async () => {
    server = await startServer({ vars: VARS, persistTo: undefined });
  });
  after(async () => {
    await leaveAll();
    await server?.stop();
  });

  const get = async (path, session) => {
    const res = await fetch(`${server.url}${path}`, session ? { headers: { Authorization: `Bearer ${session}` } } : {});
    return { status: res.status, body: await res.json() };
  };

  /** Polls until `check(value)` holds for `fetchValue()`'s value (or fails after `ms`). */
  const eventually = async (fetchValue, check, what, ms = 20000) => {
    let last;
    for (let i = 0; i < ms / 200; i++) {
      last = await fetchValue();
      if (check(last)) return last;
      await sleep(200);
    }
    assert.fail(`${what} never held; last: ${JSON.stringify(last)}`);
  };

  let alice;
  let bob;
  const seen = { alice: null, bob: null };

  test('three rounds: /api/me and the leaderboard match the results the clients saw', async () => {
    alice = await Player.connect(server.wsUrl, { name: 'Alice', heartbeatMs: 1000 });
    const hiA = await alice.next('hi');
    bob = await Player.connect(server.wsUrl, { name: 'Bob', heartbeatMs: 1000 });
    const hiB = await bob.next('hi');
    assert.equal(hiA.room, hiB.room);
    assert.equal(hiB.online, 2, 'hi tells how many people are online');

    const rooms = await get('/api/rooms');
    const mine = rooms.body.rooms.find((r) => r.room === hiA.room);
    assert.deepEqual(
      [mine.game, mine.seats, mine.taken, mine.free, mine.players, mine.state],
      ['rps', 2, 2, 0, 2, 'full'],
    );
    assert.ok(rooms.body.online >= 2);

    const plays = [['rock', 'scissors'], ['rock', 'paper'], ['paper', 'rock']];
    let before = [{ total: 0, streak: 0 }, { total: 0, streak: 0 }];
    let last;
    for (const [a, b] of plays) {
      await Promise.all([alice.next('start'), bob.next('start')]);
      alice.send({ type: 'choice', choice: a });
      bob.send({ type: 'choice', choice: b });
      last = await alice.next('result');
      assert.deepEqual(await bob.next('result'), last);
      const want = expectedResult([a, b], before);
      const got = [hiA.seat, hiB.seat].map((seat) => last.seats.find((s) => s.seat === seat));
      assert.deepEqual(got.map((s) => s.total), want.map((w) => w.total));
      before = want;
      if (last.round < plays.length) {
        alice.send({ type: 'join' });
        bob.send({ type: 'join' });
      }
    }
    seen.alice = last.seats.find((s) => s.seat === hiA.seat);
    seen.bob = last.seats.find((s) => s.seat === hiB.seat);

    // Records travel to the shards after the result; give them a moment.
    const meA = await eventually(() => get('/api/me', alice.session), (r) => r.body.rounds === 3, 'alice has 3 rounds');
    const meB = await eventually(() => get('/api/me', bob.session), (r) => r.body.rounds === 3, 'bob has 3 rounds');
    // By the oracle: Alice won rounds 1 and 3 (streak 1, then 1 again), Bob round 2.
    assert.deepEqual(
      [meA.body.name, meA.body.total, meA.body.wins, meA.body.best_streak],
      ['Alice', seen.alice.total, 2, 1],
    );
    assert.deepEqual(
      [meB.body.name, meB.body.total, meB.body.wins, meB.body.best_streak],
      ['Bob', seen.bob.total, 1, 1],
    );
    assert.equal(meA.body.rank, 1);
    assert.equal(meB.body.rank, 2);

    const board = await get('/api/leaderboard?limit=5', bob.session);
    assert.equal(board.status, 200);
    assert.deepEqual(
      board.body.top.map((l) => [l.rank, l.name, l.total]),
      [[1, 'Alice', seen.alice.total], [2, 'Bob', seen.bob.total]],
    );
    assert.deepEqual([board.body.me.rank, board.body.me.name], [2, 'Bob']);
    assert.equal((await get('/api/leaderboard')).body.me, null, 'no token, no me');
  });

  test('a retried alarm after a settlement did not count any round twice', async () => {
    // Every room instance failed its first delivering tick on purpose...
    assert.match(server.log(), /DEBUG_FAIL_ALARM_ONCE: failing this tick on purpose/);
    // ... so some shard saw a record twice and ignored it.
    // The room sends an unconfirmed record again after RECORD_RETRY_MS (2 s).
    const duplicates = async () => {
      const statuses = await Promise.all([0, 1, 2, 3].map((n) => get(`/debug/stats/${n}`)));
      return statuses.reduce((sum, s) => sum + s.body.duplicates_ignored, 0);
    };
    await eventually(duplicates, (n) => n >= 1, 'a shard ignored a duplicate record');
    // Well after every retry window, the counts are still exactly three rounds.
    await sleep(3000);
    for (const p of [alice, bob]) assert.equal((await get('/api/me', p.session)).body.rounds, 3);
  });

  test('shards that throw on their next requests: the records are retried and counted once', async () => {
    const shards = [0, 1, 2, 3];
    const status = async () => Promise.all(shards.map(async (n) => (await get(`/debug/stats/${n}`)).body));
    const sum = (list, key) => list.reduce((total, s) => total + s[key], 0);
    const before = await status();
    // Every shard throws on its next three deliveries: the first two before storing
    // anything, the third after storing the batch (its answer lost on the way back).
    for (const n of shards) {
      const res = await fetch(`${server.url}/debug/stats/${n}/fail?plan=before,before,after`, { method: 'POST' });
      assert.equal(res.status, 200);
    }
    assert.equal((await fetch(`${server.url}/debug/stats/0/fail?plan=sideways`, { method: 'POST' })).status, 400);

    // Two more rounds (the fourth and fifth) while the shards fail.
    const plays = [['scissors', 'paper'], ['rock', 'rock']];
    for (const [i, [a, b]] of plays.entries()) {
      alice.send({ type: 'join' });
      bob.send({ type: 'join' });
      await Promise.all([alice.next('start'), bob.next('start')]);
      alice.send({ type: 'choice', choice: a });
      bob.send({ type: 'choice', choice: b });
      const result = await alice.next('result');
      assert.deepEqual(await bob.next('result'), result);
      assert.equal(result.round, 4 + i);
      seen.alice = result.seats.find((s) => s.seat === seen.alice.seat);
      seen.bob = result.seats.find((s) => s.seat === seen.bob.seat);
    }

    // Each shard that got records threw three times, then took them.
    await eventually(
      status,
      (list) => list.every((s, n) => s.failures_injected === 0 || s.failures_injected === 3)
        && sum(list, 'failures_injected') >= 3,
      'the armed failures were used up',
      40000,
    );
    assert.match(server.log(), /injected failure Some\(BeforeStoring\)/);
    assert.match(server.log(), /injected failure Some\(AfterStoring\)/);
    for (const [p, mine] of [[alice, seen.alice], [bob, seen.bob]]) {
      const me = await eventually(() => get('/api/me', p.session), (r) => r.body.rounds === 5, 'five rounds counted', 40000);
      assert.equal(me.body.total, mine.total, 'the total the last result showed');
    }
    // The batch stored before its answer was lost came again and was ignored, once per
    // line it held.
    const dups = await eventually(status, (list) => sum(list, 'duplicates_ignored') > sum(before, 'duplicates_ignored'), 'the resent batch was recognised');
    assert.ok(sum(dups, 'duplicates_ignored') >= sum(before, 'duplicates_ignored') + 1);
    // Long after any retry, still exactly five.
    await sleep(4000);
    for (const p of [alice, bob]) assert.equal((await get('/api/me', p.session)).body.rounds, 5);
  });

  test('the data survives a restart of the local server', async () => {
    await Promise.all([alice.leave(), bob.leave()]);
    const beforeBoard = (await get('/api/leaderboard?limit=5')).body.top;
    const dir = server.dir;
    await server.kill();
    server = await startServer({ vars: VARS, persistTo: dir, port: server.port });
    const afterBoard = (await get('/api/leaderboard?limit=5')).body.top;
    assert.deepEqual(afterBoard, beforeBoard);
    const me = await get('/api/me', alice.session);
    assert.deepEqual([me.body.total, me.body.rounds, me.body.rank], [seen.alice.total, 5, 1]);
    const rooms = await get('/api/rooms');
    assert.deepEqual(rooms.body.rooms, [], 'everybody left: no open rooms');
  });

  test('API errors are clear JSON', async () => {
    assert.deepEqual((await get('/api/me')).status, 401);
    assert.equal((await get('/api/me')).body.error, 'unauthorized');
    assert.equal((await get('/api/me', 'forged.token.here')).status, 401);
    for (const limit of ['0', '101', 'ten']) {
      const r = await get(`/api/leaderboard?limit=${limit}`);
      assert.deepEqual([r.status, r.body.error], [400, 'bad_request'], limit);
    }
    const fresh = await fetch(`${server.url}/api/guest`, { method: 'POST' }).then((r) => r.json());
    const me = await get('/api/me', fresh.token);
    assert.deepEqual([me.status, me.body.rounds, me.body.rank], [200, 0, null]);
  });
});
