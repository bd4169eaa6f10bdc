// Playing together (issue 18), against the built Worker in workerd with real sockets:
// people take bots' seats (over several matchmaker shards too), friends meet by code, strangers never land in a private
// room, a lone dig-gold player gets a bot, stats are kept per game.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Player, guestSession, leaveAll } from './support/client.mjs';
import { startServer } from './support/server.mjs';
import { guestClaims, mint } from './support/tokens.mjs';

const ROUND = 4000;
const BOT_WAIT = 1000;
const GRACE = 3000;

/**
 * B, told to sit in the seat A's bot holds, gets it at the round's end: everyone sees the
 * bot leave and B sit down, and A's next round (after A's `join`) is against B.
 * Returns that round's `start` as B sees it.
 */
async function takesTheBotsSeat(a, b, hiA, hiB, first) {
  assert.equal(hiB.seat, 1 - hiA.seat, 'the bot\'s seat');
  await a.next('result');
  // The round boundary: the bot leaves, B sits down, everyone sees it.
  const room = await a.next('room');
  assert.deepEqual(room.seats.map((s) => [s.name, s.bot]), [['A', false], ['B', false]]);
  a.send({ type: 'join' });
  const start = await b.next('start');
  assert.equal(start.round, first.round + 1);
  return start;
}

describe('playing together', () => {
  let server;
  before(async () => {
    server = await startServer({
      vars: {
        ROUND_MS: ROUND,
        BOT_WAIT_MS: BOT_WAIT,
        RESUME_GRACE_MS: GRACE,
        STATS_FLUSH_MS: 0,
        DIG_BOARD: 4,
        DIG_GOLD: 2,
        DIG_TURN_MS: 5000,
        DEBUG_ROUTES: 1,
      },
    });
  });
  after(async () => {
    await leaveAll();
    await server?.stop();
  });

  /** `POST /api/rooms` as `session`. */
  const openRoom = (session, body) => fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  test('A plays a bot; B joins 3 s later; B\'s next round is against A, not a bot', async () => {
    const a = await Player.connect(server.wsUrl, { name: 'A' });
    const hiA = await a.next('hi');
    const first = await a.next('start');
    assert.deepEqual(first.seats.map((s) => s.bot), [false, true], 'A plays a bot first');
    await new Promise((r) => setTimeout(r, 3000 - BOT_WAIT));
    const b = await Player.connect(server.wsUrl, { name: 'B' });
    const hiB = await b.next('hi');
    assert.equal(hiB.room, hiA.room, 'B goes to the room where a bot holds a seat');
    const start = await takesTheBotsSeat(a, b, hiA, hiB, first);
    assert.deepEqual(start.seats.map((s) => [s.name, s.bot, s.total]), [['A', false, start.seats[0].total], ['B', false, 0]]);
    await Promise.all([a.leave(), b.leave()]);
  });

  test('two friends meet by code; strangers joining at the same moment never land there; a wrong code is refused', async () => {
    const me = await guestSession(server.wsUrl);
    const res = await openRoom(me.token, { game: 'rps' });
    assert.equal(res.status, 200);
    const opened = await res.json();
    assert.match(opened.code, /^[A-HJ-NP-Z2-9]{6}$/, 'six readable characters, no 0/O/1/I');
    assert.ok(opened.expires_at > Date.now());
    const host = await Player.connect(server.wsUrl, { name: 'host', session: me.token, join: opened.code });
    const hiHost = await host.next('hi');
    assert.equal(hiHost.room, opened.room);
    // Three strangers arrive at once: the matchmaker never puts them in a private room.
    const strangers = await Promise.all(['s1', 's2', 's3'].map((name) => Player.connect(server.wsUrl, { name })));
    const rooms = await Promise.all(strangers.map(async (s) => (await s.next('hi')).room));
    assert.ok(rooms.every((r) => r !== opened.room), `strangers in ${rooms}`);
    // The friend types the code in lower case with a dash: it still opens the room.
    const typed = `${opened.code.slice(0, 3)}-${opened.code.slice(3)}`.toLowerCase();
    const friend = await Player.connect(server.wsUrl, { name: 'friend', join: typed });
    assert.equal((await friend.next('hi')).room, opened.room);
    const start = await host.next('start');
    assert.deepEqual(start.seats.map((s) => s.name), ['host', 'friend'], 'friends play each other, no bot');
    // A wrong code: a clear error, and close 4004 (final: the SDK does not retry it).
    const lost = await Player.connect(server.wsUrl, { name: 'lost', join: 'ZZZZZZ' });
    assert.equal((await lost.next('error')).code, 'unknown_code');
    assert.equal((await lost.closed).code, 4004);
    // Spectators need the code: the room's name alone shows nothing.
    const peek = await Player.connect(server.wsUrl, { watch: opened.room });
    assert.equal((await peek.next('error')).code, 'unknown_code');
    const fan = await Player.connect(server.wsUrl, { join: opened.code, watch: '1' });
    assert.equal((await fan.next('watching')).room, opened.room);
    // Private rooms are not listed.
    const listing = await (await fetch(`${server.url}/api/rooms`)).json();
    assert.ok(listing.rooms.every((r) => r.room !== opened.room));
    await Promise.all([host, friend, fan, ...strangers].map((p) => p.leave()));
  });

  test('a code expires when its room has been empty for the resume window', async () => {
    const me = await guestSession(server.wsUrl);
    const { code } = await (await openRoom(me.token, { game: 'chat' })).json();
    const host = await Player.connect(server.wsUrl, { name: 'host', session: me.token, join: code });
    await host.next('hi');
    await host.leave();
    // While the window runs the code still opens the room; after it, nothing.
    const back = await Player.connect(server.wsUrl, { name: 'back', join: code });
    assert.equal((await back.next('hi')).seat, 0);
    await back.leave();
    await new Promise((r) => setTimeout(r, GRACE + 500));
    const late = await Player.connect(server.wsUrl, { name: 'late', join: code });
    assert.equal((await late.next('error')).code, 'unknown_code');
    assert.equal((await late.closed).code, 4004);
  });

  test('guessing codes is rate-limited per identity', async () => {
    const guesser = await guestSession(server.wsUrl);
    const me = await guestSession(server.wsUrl);
    const { code } = await (await openRoom(me.token, { game: 'rps', bots: true })).json();
    const host = await Player.connect(server.wsUrl, { name: 'host', session: me.token, join: code });
    await host.next('hi');
    const codes = 'ABCDEFGHJK'.split('').map((c) => `${c}${c}${c}${c}${c}${c}`).filter((c) => c !== code);
    for (const wrong of codes.slice(0, 10)) {
      const p = await Player.connect(server.wsUrl, { session: guesser.token, join: wrong });
      assert.equal((await p.next('error')).code, 'unknown_code');
      await p.closed;
    }
    // Out of tries: even the right code is refused for now; another identity gets in.
    const blocked = await Player.connect(server.wsUrl, { session: guesser.token, join: code });
    assert.equal((await blocked.next('error')).code, 'rate_limited');
    assert.equal((await blocked.closed).code, 4004);
    const friend = await Player.connect(server.wsUrl, { name: 'friend', join: code });
    assert.equal((await friend.next('hi')).room, (await host.frames.find((f) => f.type === 'hi')).room);
    await Promise.all([host.leave(), friend.leave()]);
  });

  test('a private room without bots asked for gets none; one with bots does', async () => {
    const me = await guestSession(server.wsUrl);
    const alone = await (await openRoom(me.token, { game: 'rps' })).json();
    const p = await Player.connect(server.wsUrl, { name: 'solo', session: me.token, join: alone.code });
    await p.next('hi');
    await new Promise((r) => setTimeout(r, BOT_WAIT + 1000));
    assert.ok(!p.frames.some((f) => f.type === 'start'), 'no bot, no round');
    await p.leave();
    const other = await guestSession(server.wsUrl);
    const withBots = await (await openRoom(other.token, { game: 'rps', bots: true })).json();
    const q = await Player.connect(server.wsUrl, { name: 'solo2', session: other.token, join: withBots.code });
    const start = await q.next('start');
    assert.deepEqual(start.seats.map((s) => s.bot), [false, true]);
    await q.leave();
  });

  test('a lone dig-gold player plays a bot to the end, and stats are kept per game', async () => {
    const me = await guestSession(server.wsUrl);
    const p = await Player.connect(server.wsUrl, { name: 'miner', session: me.token, game: 'dig' });
    const hi = await p.next('hi');
    // Read the frames in order, whatever their type.
    let at = 0;
    const nextOf = async (...types) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        while (at < p.frames.length) {
          const frame = p.frames[at++];
          if (types.includes(frame.type)) return frame;
        }
        if (Date.now() > deadline) throw new Error(`no ${types} in ${JSON.stringify(p.frames.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const board = await nextOf('board');
    const rows = board.rows.map((r) => r.split(''));
    let over = null;
    let botDigs = 0;
    let turn = board.turn;
    while (!over) {
      if (turn === hi.seat) {
        const cell = rows.flat().indexOf('.');
        p.send({ type: 'dig', x: cell % 4, y: Math.floor(cell / 4) });
        turn = null; // dug: wait for the turn to come back
      }
      const frame = await nextOf('dug', 'turn', 'game_over');
      if (frame.type === 'game_over') over = frame;
      else if (frame.type === 'turn') turn = frame.seat;
      else {
        for (const c of frame.revealed) rows[c.y][c.x] = c.gold ? '$' : String(c.n);
        if (frame.seat !== hi.seat) botDigs += 1;
        turn = null; // wait for the next turn frame
      }
    }
    assert.ok(botDigs > 0, 'the bot dug');
    assert.equal(over.scores.reduce((sum, s) => sum + s.gold, 0), 2, 'all the gold was found');
    const mine = over.scores.find((s) => s.seat === hi.seat).gold;
    await p.leave();
    // Dig gold's gold is dig gold's: rock-paper-scissors points are untouched.
    const me2 = (game) => fetch(`${server.url}/api/me?game=${game}`, { headers: { authorization: `Bearer ${me.token}` } }).then((r) => r.json());
    let dig;
    for (let i = 0; i < 50; i++) {
      dig = await me2('dig');
      if (dig.rounds === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual([dig.game, dig.total, dig.rounds], ['dig', mine, 1]);
    const rps = await me2('rps');
    assert.deepEqual([rps.game, rps.total, rps.rounds], ['rps', 0, 0]);
    const board2 = await (await fetch(`${server.url}/api/leaderboard?game=dig`)).json();
    assert.equal(board2.game, 'dig');
    assert.ok(board2.top.some((line) => line.player === me.player));
  });

  test('rooms and the online count say who is away', async () => {
    const a = await Player.connect(server.wsUrl, { name: 'stays' });
    await a.next('hi');
    const b = await Player.connect(server.wsUrl, { name: 'drops' });
    const hiB = await b.next('hi');
    await b.close(); // no leave: the seat is held for a resume
    let listing;
    for (let i = 0; i < 50; i++) {
      listing = await (await fetch(`${server.url}/api/rooms`)).json();
      if (listing.away === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(listing.away, 1);
    const room = listing.rooms.find((r) => r.room === hiB.room);
    assert.deepEqual([room.players, room.away], [2, 1]);
    // Back within the window: the resumed player is told how many play.
    const back = await Player.connect(server.wsUrl, { resume: hiB.resume, session: b.session });
    const hi = await back.next('hi');
    assert.ok(hi.resumed && hi.online >= 2, JSON.stringify(hi));
    await Promise.all([a.leave(), back.leave()]);
  });
});

describe('people before bots over four matchmaker shards', () => {
  let server;
  before(async () => {
    server = await startServer({ vars: { MATCHMAKER_SHARDS: 4, ROUND_MS: ROUND, BOT_WAIT_MS: BOT_WAIT, RESUME_GRACE_MS: GRACE } });
  });
  after(async () => {
    await leaveAll();
    await server?.stop();
  });

  // Identities on chosen shards: shard_of('guest:next-door-3', 4) = 1 and
  // shard_of('guest:next-door-2', 4) = 2 (golden values pinned in src/shard.rs), so B's
  // shard must look at 3 and 0 before it finds A's room on 1.
  const A_SHARD = 1;
  const B_SHARD = 2;

  test('A plays a bot; B, on another shard, joins 3 s later and takes the bot\'s seat; B\'s second connection goes back to it', async () => {
    assert.notEqual(A_SHARD, B_SHARD, 'the test needs two shards');
    const a = await Player.connect(server.wsUrl, { name: 'A', session: mint(guestClaims('next-door-3')) });
    const hiA = await a.next('hi');
    assert.match(hiA.room, new RegExp(`^rps-${A_SHARD}-\\d+$`), 'A\'s own shard opened A\'s room');
    const first = await a.next('start');
    assert.deepEqual(first.seats.map((s) => s.bot), [false, true], 'A plays a bot first');
    await new Promise((r) => setTimeout(r, 3000 - BOT_WAIT));
    const bSession = mint(guestClaims('next-door-2'));
    const b = await Player.connect(server.wsUrl, { name: 'B', session: bSession });
    const hiB = await b.next('hi');
    assert.equal(hiB.room, hiA.room, 'B\'s quiet shard looked next door and found the bot\'s seat');
    const start = await takesTheBotsSeat(a, b, hiA, hiB, first);
    assert.deepEqual(start.seats.map((s) => [s.name, s.bot]), [['A', false], ['B', false]]);
    // B's second connection (another tab, no resume token): B's shard remembers where
    // B sits, so it goes back to B's seat in A's room, not to a new room.
    const again = await Player.connect(server.wsUrl, { name: 'B', session: bSession });
    const hi = await again.next('hi');
    assert.deepEqual([hi.room, hi.seat, hi.resumed], [hiA.room, hiB.seat, true]);
    const listing = await (await fetch(`${server.url}/api/rooms`)).json();
    assert.deepEqual(listing.rooms.map((r) => [r.room, r.players, r.bots]), [[hiA.room, 2, 0]], 'one room, two people, no bot');
    await Promise.all([a.leave(), again.leave()]);
  });
});
