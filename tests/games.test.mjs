// Dig gold, chat and spectators against the real server in workerd.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { Player, leaveAll } from './support/client.mjs';
import { startServer } from './support/server.mjs';

const VARS = {
  ROUND_MS: 1500, BOT_WAIT_MS: 600000, DIG_BOARD: 6, DIG_GOLD: 5, DIG_TURN_MS: 20000,
  CHAT_ANNOUNCE_MS: 1500, DEBUG_ROUTES: 1,
};

describe('dig gold, chat and spectators', () => {
  let server;
  before(async () => {
    server = await startServer({ vars: VARS });
  });
  afterEach(leaveAll);
  after(async () => server?.stop());

  test('two clients play a full dig-gold game to its end', async () => {
    const a = await Player.connect(server.wsUrl, { name: 'Ann', game: 'dig' });
    const hiA = await a.next('hi');
    const b = await Player.connect(server.wsUrl, { name: 'Ben', game: 'dig' });
    const hiB = await b.next('hi');
    assert.match(hiA.room, /^dig-\d+-\d+$/);
    assert.equal(hiA.room, hiB.room);
    const board = await a.next('board');
    assert.deepEqual([board.width, board.height, board.gold_left], [6, 6, 5]);
    assert.ok(board.rows.every((r) => /^\.+$/.test(r)), 'nothing revealed at the start');

    const players = { [hiA.seat]: a, [hiB.seat]: b };
    const dug = new Set();
    const gold = { [hiA.seat]: 0, [hiB.seat]: 0 };
    const turns = [];
    let over = null;
    let turn = await a.next('turn');
    while (!over) {
      const mover = players[turn.seat];
      turns.push(turn.seat);
      // The first cell nobody has opened yet, in reading order.
      let cell = 0;
      while (dug.has(cell)) cell++;
      mover.send({ type: 'dig', x: cell % 6, y: Math.floor(cell / 6) });
      const d = await a.next('dug');
      assert.equal(d.seat, turn.seat);
      for (const c of d.revealed) dug.add(c.y * 6 + c.x);
      if (d.gold) gold[d.seat] += 1;
      assert.deepEqual(Object.fromEntries(d.scores.map((s) => [s.seat, s.gold])), gold);
      if (d.gold_left === 0) over = await a.next('game_over');
      else turn = await a.next('turn');
    }
    assert.equal(gold[hiA.seat] + gold[hiB.seat], 5, 'all the gold was dug');
    assert.ok(turns.every((s, i) => i === 0 || s !== turns[i - 1]), `turns alternate: ${turns}`);
    const best = Math.max(gold[hiA.seat], gold[hiB.seat]);
    assert.deepEqual(over.winners, [hiA.seat, hiB.seat].filter((s) => gold[s] === best).sort());
    // The other player saw the same ending; no frame ever carried undug gold.
    assert.deepEqual(await b.next('game_over'), over);
    const undugGold = b.raw.filter((t) => t.includes('"type":"board"')).some((t) => /\$/.test(t));
    assert.equal(undugGold, false, 'the start board showed no gold');
    await Promise.all([a.leave(), b.leave()]);
  });

  test('three clients chat: presence, messages to all, a pushed announcement', async () => {
    const people = [];
    for (const name of ['小红', 'Bob', 'Cai']) {
      const p = await Player.connect(server.wsUrl, { name, game: 'chat' });
      await p.next('hi');
      people.push(p);
    }
    const [p1, p2, p3] = people;
    // The first one saw both others enter, with the count going up.
    const entered = [await p1.next('presence'), await p1.next('presence'), await p1.next('presence')];
    assert.deepEqual(entered.map((e) => [e.name, e.event, e.online]), [
      ['小红', 'entered', 1], ['Bob', 'entered', 2], ['Cai', 'entered', 3],
    ]);
    p2.send({ type: 'say', text: 'hello, 大家好' });
    for (const p of people) {
      const said = await p.next('said');
      assert.deepEqual([said.name, said.text], ['Bob', 'hello, 大家好']);
    }
    // Nobody asked for it: the server pushes an announcement on its timer.
    for (const p of people) assert.match((await p.next('announcement', 10_000)).text, /3 in chat-/);
    // Someone leaves: the rest are told.
    await p3.leave();
    const left = await p1.next('presence');
    assert.deepEqual([left.name, left.event, left.online], ['Cai', 'left', 2]);
    // A latecomer gets the history.
    const late = await Player.connect(server.wsUrl, { name: 'Late', game: 'chat' });
    const history = await late.next('history');
    assert.deepEqual(history.messages.map((m) => m.text), ['hello, 大家好']);
    await Promise.all([p1.leave(), p2.leave(), late.leave()]);
  });

  test('a spectator watches a rock-paper-scissors round and never sees a choice before result', async () => {
    const a = await Player.connect(server.wsUrl, { name: 'a' });
    const hiA = await a.next('hi');
    const b = await Player.connect(server.wsUrl, { name: 'b' });
    await b.next('hi');
    await a.next('start');
    const eye = await Player.connect(server.wsUrl, { watch: hiA.room });
    const watching = await eye.next('watching');
    assert.deepEqual([watching.room, watching.game], [hiA.room, 'rps']);
    assert.equal((await eye.next('state')).phase, 'playing');
    a.send({ type: 'choice', choice: 'scissors' });
    b.send({ type: 'choice', choice: 'paper' });
    await eye.next('movement');
    const result = await eye.next('result');
    assert.deepEqual(result.seats.map((s) => s.choice).sort(), ['paper', 'scissors']);
    const beforeResult = eye.raw.slice(0, eye.frames.findIndex((f) => f.type === 'result'));
    assert.ok(beforeResult.every((t) => !/scissors|paper|rock/.test(t)), beforeResult.join('\n'));
    // Read-only.
    eye.send({ type: 'choice', choice: 'rock' });
    assert.equal((await eye.next('error')).code, 'spectating');
    // A room that does not exist.
    const lost = await Player.connect(server.wsUrl, { watch: 'rps-0-999' });
    assert.equal((await lost.next('error')).code, 'no_such_room');
    assert.equal((await lost.closed).code, 1000);
    await Promise.all([a.leave(), b.leave(), eye.leave()]);
  });

  test('/api/rooms lists rooms of every game', async () => {
    const d = await Player.connect(server.wsUrl, { name: 'd', game: 'dig' });
    await d.next('hi');
    const c = await Player.connect(server.wsUrl, { name: 'c', game: 'chat' });
    await c.next('hi');
    const listing = await (await fetch(`${server.url}/api/rooms`)).json();
    const games = new Set(listing.rooms.map((r) => r.game));
    assert.ok(games.has('dig') && games.has('chat'), JSON.stringify(listing));
    const chat = listing.rooms.find((r) => r.game === 'chat');
    assert.deepEqual([chat.seats, chat.state], [20, 'open']);
    await Promise.all([d.leave(), c.leave()]);
  });
});
