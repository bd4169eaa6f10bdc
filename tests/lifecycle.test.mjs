// Connection lifecycle against the real Worker in workerd: silent clients, dropped
// sockets and resume, late resumes, hibernation, and the server killed mid-round.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test as nodeTest } from 'node:test';

import { Player, leaveAll } from './support/client.mjs';
import { startServer } from './support/server.mjs';

// No test may hang the suite: each gets a minute.
const test = (name, fn) => nodeTest(name, { timeout: 60_000 }, fn);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Two players in one fresh room, both past `hi`. */
async function pair(server, opts = {}) {
  const a = await Player.connect(server.wsUrl, { name: 'a', ...opts });
  const hiA = await a.next('hi');
  const b = await Player.connect(server.wsUrl, { name: 'b', ...opts });
  const hiB = await b.next('hi');
  assert.equal(hiA.room, hiB.room);
  return { a, b, hiA, hiB };
}

/**
 * The next `room` frame in which `seat` is away (`true`), back (`false`) or no longer
 * there at all (`'gone'`).
 */
async function seatAway(player, seat, away = true, timeout = 15_000) {
  const until = Date.now() + timeout;
  const seen = [];
  for (;;) {
    const frame = await player.next('room', Math.max(1, until - Date.now())).catch((err) => {
      throw new Error(`${err.message}\nroom frames seen meanwhile: ${JSON.stringify(seen)}`);
    });
    seen.push(frame.seats.map((s) => [s.seat, s.away]));
    const line = frame.seats.find((s) => s.seat === seat);
    if (away === 'gone' ? !line : line?.away === away) return frame;
  }
}

describe('heartbeats and resume (short timeouts)', () => {
  const HEARTBEAT_TIMEOUT_MS = 2000;
  const RESUME_GRACE_MS = 5000;
  let server;
  before(async () => {
    server = await startServer({
      vars: {
        HEARTBEAT_TIMEOUT_MS, RESUME_GRACE_MS, ROUND_MS: 2000, BOT_WAIT_MS: 600000, DEBUG_ROUTES: 1,
      },
    });
  });
  afterEach(leaveAll);
  after(async () => server?.stop());

  test('a client that stops sending is noticed within 2x the timeout; the other learns', async () => {
    // a never sends anything after connecting; b keeps heartbeating (auto-response).
    const a = await Player.connect(server.wsUrl, { name: 'silent' });
    const hiA = await a.next('hi');
    const b = await Player.connect(server.wsUrl, { name: 'alive', heartbeatMs: 500 });
    await b.next('hi');
    const lastHeardOfA = Date.now();
    await seatAway(b, hiA.seat, true, 2 * HEARTBEAT_TIMEOUT_MS);
    const noticedAfter = Date.now() - lastHeardOfA;
    // The room dropped a's connection (it sent close 4000; a silent peer may never
    // answer the closing handshake, so the test asks the room, not the peer).
    const status = await (await fetch(`${server.url}/debug/rooms/${hiA.room}`)).json();
    assert.equal(status.connections.length, 1, JSON.stringify(status));
    a.ws.close();
    assert.ok(b.pongs() > 0, 'b got pongs from the auto-response');
    assert.equal(b.ws.readyState, WebSocket.OPEN, 'the heartbeating client stays');
    console.log(`# silent client noticed after ${noticedAfter} ms (timeout ${HEARTBEAT_TIMEOUT_MS} ms)`);
    await b.close();
  });

  test('a socket dropped mid-round resumes, keeps seat and choice, sees the same result', async () => {
    const { a, b, hiA } = await pair(server, { heartbeatMs: 500 });
    const start = await a.next('start');
    // The first round began as b sat down: it is longer by the handshake allowance.
    assert.ok(start.ends_in_ms >= 2000, JSON.stringify(start));
    a.send({ type: 'choice', choice: 'paper' });
    await b.next('movement');
    await a.close(4999); // the network drops: no leave, just gone
    await seatAway(b, hiA.seat, true);
    b.send({ type: 'choice', choice: 'rock' });

    const back = await Player.connect(server.wsUrl, { resume: hiA.resume, session: a.session, heartbeatMs: 500 });
    const hi = await back.next('hi');
    assert.equal(hi.resumed, true);
    assert.equal(hi.seat, hiA.seat);
    assert.equal(hi.room, hiA.room);
    const state = await back.next('state');
    assert.equal(state.phase, 'playing');
    assert.equal(state.choice, 'paper', 'the choice made before the drop is kept');
    assert.ok(state.ends_in_ms > 0 && state.ends_in_ms < start.ends_in_ms, JSON.stringify(state));
    await seatAway(b, hiA.seat, false);

    const [mine, theirs] = [await back.next('result'), await b.next('result')];
    assert.deepEqual(mine, theirs);
    const line = mine.seats.find((s) => s.seat === hiA.seat);
    assert.deepEqual([line.choice, line.base, line.total], ['paper', 1, 1]);
    await Promise.all([back.close(), b.close()]);
  });

  test('a result settled while away is replayed on resume', async () => {
    const { a, b, hiA } = await pair(server, { heartbeatMs: 500 });
    await a.next('start');
    a.send({ type: 'choice', choice: 'scissors' });
    await b.next('movement');
    await a.close(4999);
    const seenByB = await b.next('result'); // settles while a is away
    const back = await Player.connect(server.wsUrl, { resume: hiA.resume, session: a.session, heartbeatMs: 500 });
    assert.equal((await back.next('hi')).resumed, true);
    assert.deepEqual(await back.next('result'), seenByB, 'the missed result, identical');
    assert.equal((await back.next('state')).phase, 'waiting');
    await Promise.all([back.close(), b.close()]);
  });

  test('coming back after the grace window gets "seat gone" and can join again', async () => {
    const { a, b, hiA } = await pair(server, { heartbeatMs: 500 });
    await a.close(4999);
    await seatAway(b, hiA.seat, true);
    await seatAway(b, hiA.seat, 'gone', RESUME_GRACE_MS + 5000);
    const late = await Player.connect(server.wsUrl, { resume: hiA.resume, session: a.session });
    const err = await late.next('error');
    assert.equal(err.code, 'seat_gone');
    assert.equal((await late.closed).code, 4002);
    const anew = await Player.connect(server.wsUrl, { name: 'again', heartbeatMs: 500 });
    const hi = await anew.next('hi');
    assert.equal(hi.resumed, false);
    assert.equal(hi.room, hiA.room, 'the freed seat is offered first');
    await Promise.all([anew.close(), b.close()]);
  });

  test('a forged resume token gets "seat gone", not a seat', async () => {
    const tokens = ['rps-0.0000000000000000', 'garbage', '../../etc.x'];
    await Promise.all(tokens.map(async (token) => {
      const p = await Player.connect(server.wsUrl, { resume: token });
      assert.equal((await p.next('error')).code, 'seat_gone', token);
      assert.equal((await p.closed).code, 4002, token);
    }));
  });
});

describe('hibernation and restarts', () => {
  let server;
  before(async () => {
    server = await startServer({
      // Stats go out as each round settles, so a room with nothing to do has no alarm
      // left (with batching it wakes once more to deliver them, see STATS_FLUSH_MS).
      vars: { RESUME_GRACE_MS: 30000, ROUND_MS: 4000, BOT_WAIT_MS: 600000, DEBUG_ROUTES: 1, STATS_FLUSH_MS: 0 },
    });
  });
  afterEach(leaveAll);
  after(async () => server?.stop());

  test('an idle room hibernates and carries on with the right state', async () => {
    const { a, b, hiA } = await pair(server, { heartbeatMs: 3000 });
    await a.next('start');
    a.send({ type: 'choice', choice: 'rock' });
    b.send({ type: 'choice', choice: 'scissors' });
    await a.next('result');
    await b.next('result');
    const status = async () => (await fetch(`${server.url}/debug/rooms/${hiA.room}`)).json();
    const before = await status();
    // Nothing but heartbeats (answered by the runtime, not the room) for 15 s.
    await sleep(15_000);
    const afterIdle = await status();
    assert.notEqual(afterIdle.instance, before.instance, 'a new instance: the old one was dropped');
    assert.equal(afterIdle.was_loaded, false, 'the new instance had to read the room from storage');
    assert.equal(afterIdle.sockets, 2, 'the sockets stayed open through hibernation');
    assert.deepEqual(afterIdle.connections, before.connections);
    a.send({ type: 'join' });
    b.send({ type: 'join' });
    const start = await a.next('start');
    assert.equal(start.round, 2);
    assert.deepEqual(start.seats.map((s) => s.total), [1, 0], 'scores survived hibernation');
    await Promise.all([a.close(), b.close()]);
  });

  test('a room both players left is deleted from its house once its round records are in', async () => {
    const { a, b, hiA } = await pair(server);
    await a.next('start');
    a.send({ type: 'choice', choice: 'rock' });
    b.send({ type: 'choice', choice: 'paper' });
    await a.next('result');
    const status = async () => (await fetch(`${server.url}/debug/rooms/${hiA.room}`)).json();
    assert.equal((await status()).room, hiA.room, 'the room is in its house while people play');
    await Promise.all([a.leave(), b.leave()]);
    // The round's record goes to the stats shards first (STATS_FLUSH_MS=0 here); only
    // once it is confirmed does the room leave. Look for up to 15 s.
    let seen = await status();
    for (let i = 0; i < 75 && seen.room !== null; i++) {
      await sleep(200);
      seen = await status();
    }
    assert.equal(seen.room, null, `the vacant room is gone from its house: ${JSON.stringify(seen)}`);
    assert.equal(seen.sockets, 0);
    // Its round counted: the stats shard has both players.
    const me = await (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${a.session}` } })).json();
    assert.equal(me.rounds, 1, JSON.stringify(me));
    // The shard goes on seating people: a new pair gets a new room, and plays.
    const next = await pair(server);
    assert.notEqual(next.hiA.room, hiA.room, 'a vacant room is never numbered again');
    await next.a.next('start');
    await Promise.all([next.a.leave(), next.b.leave()]);
  });

  test('SIGKILL mid-round: clients resume, the round completes once, scores intact', async () => {
    const { a, b, hiA, hiB } = await pair(server);
    await a.next('start');
    a.send({ type: 'choice', choice: 'paper' });
    b.send({ type: 'choice', choice: 'rock' });
    await b.next('movement');
    await sleep(200); // let the choices reach storage

    await server.kill();
    const drop = await Promise.all([a.closed, b.closed]);
    console.log(`# clients saw close codes ${drop.map((d) => d.code)} on SIGKILL`);
    server = await startServer({
      vars: { RESUME_GRACE_MS: 30000, ROUND_MS: 4000, BOT_WAIT_MS: 600000, DEBUG_ROUTES: 1 },
      persistTo: server.dir,
      port: server.port,
    });

    const a2 = await Player.connect(server.wsUrl, { resume: hiA.resume, session: a.session });
    const b2 = await Player.connect(server.wsUrl, { resume: hiB.resume, session: b.session });
    for (const [p, hi] of [[a2, hiA], [b2, hiB]]) {
      const again = await p.next('hi');
      assert.equal(again.resumed, true);
      assert.equal(again.seat, hi.seat);
    }
    const [ra, rb] = [await a2.next('result'), await b2.next('result')];
    assert.deepEqual(ra, rb);
    assert.equal(ra.round, 1);
    const lineA = ra.seats.find((s) => s.seat === hiA.seat);
    assert.deepEqual([lineA.choice, lineA.total, lineA.streak], ['paper', 1, 1]);

    // Round 2 follows on the same scores; round 1 was counted exactly once.
    a2.send({ type: 'join' });
    b2.send({ type: 'join' });
    const start = await a2.next('start');
    assert.equal(start.round, 2);
    a2.send({ type: 'choice', choice: 'paper' });
    const r2 = await b2.next('result');
    assert.equal(r2.round, 2);
    assert.deepEqual(await a2.next('result'), r2);
    const a2line = r2.seats.find((s) => s.seat === hiA.seat);
    assert.deepEqual([a2line.total, a2line.streak], [3, 2], 'streak 2 scores 2 on top of 1');
    const results = a2.frames.filter((f) => f.type === 'result').map((f) => f.round);
    assert.deepEqual(results, [1, 2], 'no round was delivered twice');
    assert.doesNotMatch(server.log(), /panicked/);
    await Promise.all([a2.close(), b2.close()]);
  });

  test('a matchmaker that hibernated learns its rooms back from them: the next player sits with the one waiting', async () => {
    // The matchmaker stores no rows of rooms or seats (the rooms hold them). After
    // hibernation nobody's socket was lost, so no room reports anything: the shard
    // read back must learn from the rooms themselves where a player waits.
    const a = await Player.connect(server.wsUrl, { name: 'waiting', heartbeatMs: 3000 });
    const hiA = await a.next('hi');
    const status = async () => (await fetch(`${server.url}/debug/rooms/${hiA.room}`)).json();
    const before = await status();
    await sleep(15_000);
    const b = await Player.connect(server.wsUrl, { name: 'late' });
    const hiB = await b.next('hi');
    const woken = await status();
    assert.notEqual(woken.instance, before.instance, 'a new instance: the old one was dropped');
    assert.equal(hiB.room, hiA.room, 'seated beside the player waiting since before hibernation');
    assert.notEqual(hiB.seat, hiA.seat);
    // a's second connection without its resume token is sent back to a's own seat too.
    const a2 = await Player.connect(server.wsUrl, { session: a.session });
    const again = await a2.next('hi');
    assert.deepEqual([again.room, again.seat], [hiA.room, hiA.seat]);
    await b.next('start');
    await Promise.all([a2.close(), b.close()]);
  });
});

describe('DURABILITY=settled-rounds: moves in memory until the round settles', () => {
  // Stats wait 60 s, so nothing writes the room between round 1's settlement and the kill
  // (a record's confirmation would store the room, joins and all).
  const vars = {
    DURABILITY: 'settled-rounds', RESUME_GRACE_MS: 30000, ROUND_MS: 2000,
    BOT_WAIT_MS: 600000, STATS_FLUSH_MS: 60000,
  };
  let server;
  before(async () => { server = await startServer({ vars }); });
  afterEach(leaveAll);
  after(async () => server?.stop());

  test('SIGKILL mid-round: the round in play is lost, settled ones and seats are kept, play goes on', async () => {
    const { a, b, hiA, hiB } = await pair(server);
    await a.next('start');
    a.send({ type: 'choice', choice: 'paper' });
    b.send({ type: 'choice', choice: 'rock' });
    const [r1] = await Promise.all([a.next('result'), b.next('result')]);
    assert.equal(r1.round, 1);
    assert.deepEqual(r1.seats.find((s) => s.seat === hiA.seat).choice, 'paper', 'hands kept in memory count');

    // Round 2 starts and a chooses, all in memory; then the server dies.
    a.send({ type: 'join' });
    b.send({ type: 'join' });
    assert.equal((await a.next('start')).round, 2);
    a.send({ type: 'choice', choice: 'paper' });
    await b.next('movement');
    await server.kill();
    await Promise.all([a.closed, b.closed]);
    server = await startServer({ vars, persistTo: server.dir, port: server.port });

    const a2 = await Player.connect(server.wsUrl, { resume: hiA.resume, session: a.session });
    const b2 = await Player.connect(server.wsUrl, { resume: hiB.resume, session: b.session });
    for (const [p, hi] of [[a2, hiA], [b2, hiB]]) {
      const again = await p.next('hi');
      assert.deepEqual([again.resumed, again.seat], [true, hi.seat], 'the seat was stored');
      assert.deepEqual(await p.next('result'), r1, 'the last settled round, again');
      const state = await p.next('state');
      assert.deepEqual([state.phase, state.round, state.choice], ['waiting', 1, null], 'round 2 is gone');
    }

    // They join again; round 2 is played on round 1's scores.
    a2.send({ type: 'join' });
    b2.send({ type: 'join' });
    assert.equal((await a2.next('start')).round, 2);
    a2.send({ type: 'choice', choice: 'paper' });
    const r2 = await b2.next('result');
    assert.deepEqual(await a2.next('result'), r2);
    const line = r2.seats.find((s) => s.seat === hiA.seat);
    assert.deepEqual([r2.round, line.total, line.streak], [2, 3, 2], 'streak 2 scores 2 on top of 1');
    assert.doesNotMatch(server.log(), /panicked/);
    await Promise.all([a2.close(), b2.close()]);
  });
});
