// Matchmaking against the real Worker: bursts of joins, rooms of three.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { Player, leaveAll, expectedResult } from './support/client.mjs';
import { startServer } from './support/server.mjs';

describe('matchmaking, rooms of two', () => {
  let server;
  before(async () => {
    // Bots would blur the count: make them wait longer than the test runs.
    server = await startServer({ vars: { BOT_WAIT_MS: 600000, ROUND_MS: 60000, DEBUG_ROUTES: 1 } });
  });
  afterEach(leaveAll);
  after(async () => server?.stop());

  test('20 clients joining at once end in 10 full rooms with no duplicate seats', async () => {
    const players = await Promise.all(
      Array.from({ length: 20 }, (_, i) => Player.connect(server.wsUrl, { name: `p${i}` })),
    );
    const his = await Promise.all(players.map((p) => p.next('hi')));
    const seats = new Map();
    for (const hi of his) {
      const key = `${hi.room}#${hi.seat}`;
      assert.ok(!seats.has(key), `seat ${key} given twice`);
      seats.set(key, hi);
    }
    const rooms = new Map();
    for (const hi of his) rooms.set(hi.room, (rooms.get(hi.room) ?? 0) + 1);
    assert.equal(rooms.size, 10, `rooms: ${JSON.stringify([...rooms])}`);
    for (const [room, n] of rooms) assert.equal(n, 2, `${room} has ${n} players`);
    // Every room is full, so every player's round starts, with two people and no bot.
    const starts = await Promise.all(players.map((p) => p.next('start')));
    for (const start of starts) {
      assert.equal(start.seats.length, 2);
      assert.ok(start.seats.every((s) => !s.bot));
    }
    // Rooms numbered next to each other share one object (a house, src/house.rs): each
    // room's own view names its two players, from the same instance holding them all.
    const views = await Promise.all(
      [...rooms.keys()].map(async (room) => (await fetch(`${server.url}/debug/rooms/${room}`)).json()),
    );
    for (const [i, room] of [...rooms.keys()].entries()) {
      assert.equal(views[i].room, room);
      assert.equal(views[i].connections.length, 2, JSON.stringify(views[i]));
      assert.equal(views[i].sockets, 2, 'the sockets tagged with this room, not the house\'s');
    }
    assert.equal(new Set(views.map((v) => v.instance)).size, 1, 'one object holds the ten rooms');
    assert.ok(views.every((v) => v.rooms >= 10), JSON.stringify(views.map((v) => v.rooms)));
    await Promise.all(players.map((p) => p.close()));
  });
});

describe('matchmaking, rooms of three', () => {
  let server;
  before(async () => {
    server = await startServer({ vars: { ROOM_SIZE: 3, BOT_WAIT_MS: 600000, ROUND_MS: 1500 } });
  });
  afterEach(leaveAll);
  after(async () => server?.stop());

  test('three players fill one room and settle pairwise', async () => {
    const players = [];
    for (const name of ['x', 'y', 'z']) {
      const p = await Player.connect(server.wsUrl, { name });
      assert.equal((await p.next('hi')).size, 3);
      players.push(p);
    }
    const fourth = await Player.connect(server.wsUrl, { name: 'w' });
    const his = players.map((p) => p.frames.find((f) => f.type === 'hi'));
    assert.equal(new Set(his.map((h) => h.room)).size, 1);
    assert.notEqual((await fourth.next('hi')).room, his[0].room, 'the fourth opens a new room');

    const starts = await Promise.all(players.map((p) => p.next('start')));
    assert.equal(starts[0].seats.length, 3);
    const hands = ['paper', 'rock', 'rock'];
    players.forEach((p, i) => p.send({ type: 'choice', choice: hands[i] }));
    const result = await players[2].next('result');
    const zero = { total: 0, streak: 0 };
    const want = expectedResult(hands, [zero, zero, zero]);
    assert.deepEqual(result.seats.map((s) => s.base), want.map((w) => w.base));
    assert.deepEqual(result.seats.map((s) => s.score), [2, 0, 0]);
    await Promise.all([...players, fourth].map((p) => p.close()));
  });
});

describe('matchmaking over four matchmaker shards', () => {
  let server;
  before(async () => {
    server = await startServer({ vars: { MATCHMAKER_SHARDS: 4, BOT_WAIT_MS: 600000, ROUND_MS: 60000 } });
  });
  afterEach(leaveAll);
  after(async () => server?.stop());

  test('40 simultaneous joins: no room overfull, no seat twice, rooms spread over shards', async () => {
    const players = await Promise.all(
      Array.from({ length: 40 }, (_, i) => Player.connect(server.wsUrl, { name: `s${i}` })),
    );
    const his = await Promise.all(players.map((p) => p.next('hi')));
    const seats = new Set();
    const perRoom = new Map();
    for (const hi of his) {
      const key = `${hi.room}#${hi.seat}`;
      assert.ok(!seats.has(key), `seat ${key} given twice`);
      seats.add(key);
      perRoom.set(hi.room, (perRoom.get(hi.room) ?? 0) + 1);
      assert.match(hi.room, /^rps-[0-3]-\d+$/);
    }
    for (const [room, n] of perRoom) assert.ok(n <= 2, `${room} has ${n} players`);
    const shardsUsed = new Set(his.map((hi) => hi.room.split('-')[1]));
    assert.ok(shardsUsed.size >= 3, `only shards ${[...shardsUsed]} used by 40 players`);

    // The listing gathers every shard.
    const listing = await (await fetch(`${server.url}/api/rooms`)).json();
    assert.equal(listing.online, 40);
    assert.equal(listing.rooms.reduce((n, r) => n + r.players, 0), 40);
    assert.deepEqual(new Set(listing.rooms.map((r) => r.room)), new Set(perRoom.keys()));

    // A player's second connection goes to their own shard and seat, not a new one.
    const again = await Player.connect(server.wsUrl, { session: players[7].session });
    const hi = await again.next('hi');
    assert.deepEqual([hi.room, hi.seat, hi.resumed], [his[7].room, his[7].seat, true]);
    await again.leave();
  });
});
