// Rock-paper-scissors against the real built Worker in workerd, with real WebSocket
// clients. Run by `npm test` (scripts/test.sh builds the wasm first).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { Player, leaveAll, expectedResult } from './support/client.mjs';
import { startServer } from './support/server.mjs';

const ROUND_MS = 1500;
const BOT_WAIT_MS = 2500;
const SLACK_MS = 5000;

/** Opens `n` players one after another and checks they share one room. */
async function seatedTogether(server, names) {
  const players = [];
  const his = [];
  for (const name of names) {
    const p = await Player.connect(server.wsUrl, { name });
    players.push(p);
    his.push(await p.next('hi'));
  }
  const rooms = new Set(his.map((h) => h.room));
  assert.equal(rooms.size, 1, `expected one room, got ${[...rooms]}`);
  // A fresh room seats players in arrival order.
  assert.deepEqual(his.map((h) => h.seat), names.map((_, i) => i));
  return { players, his };
}

describe('rock-paper-scissors in workerd', () => {
  let server;
  before(async () => {
    server = await startServer({ vars: { ROUND_MS, BOT_WAIT_MS } });
  });
  afterEach(leaveAll);
  after(async () => {
    await server?.stop();
  });

  test('HTTP: health, 426 on a plain request to /ws, 404 elsewhere, 405 for a wrong method', async () => {
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).ok, true);
    const plain = await fetch(`${server.url}/ws`);
    assert.equal(plain.status, 426);
    assert.match(await plain.text(), /WebSocket/);
    const status = async (path, method = 'GET') =>
      (await fetch(`${server.url}${path}`, { method })).status;
    for (const path of ['/no-such-thing', '/api/', '/api/nothing', '/debug/rooms/', '/debug/rooms/a/b', '/debug/stats/x/y', '/healthz']) {
      assert.equal(await status(path), 404, path);
    }
    assert.equal(await status('/ws', 'POST'), 404);
    // A path that is served, asked with a method it is not served for.
    for (const [path, method] of [['/health', 'POST'], ['/api/login', 'GET'], ['/api/guest', 'PUT'], ['/api/me', 'POST'], ['/api/rooms', 'DELETE'], ['/debug/stats/0/fail', 'GET']]) {
      assert.equal(await status(path, method), 405, `${method} ${path}`);
    }
    // CORS preflight answers on any /api/ path (204 with no Origin to refuse).
    assert.equal(await status('/api/anything', 'OPTIONS'), 204);
    // Query values are form-decoded: a leaderboard limit written with an escape.
    const board = await fetch(`${server.url}/api/leaderboard?limit=%32&game=rps`);
    assert.equal(board.status, 200);
    assert.equal((await fetch(`${server.url}/api/leaderboard?limit=0`)).status, 400);
  });

  test('two players are matched and play three rounds scored by the rule', async () => {
    const { players, his } = await seatedTogether(server, ['alice', 'bob']);
    const [a, b] = players;
    const hands = [
      ['rock', 'scissors'],
      ['paper', 'scissors'],
      [null, 'rock'],
    ];
    let standings = [{ total: 0, streak: 0 }, { total: 0, streak: 0 }];
    for (let round = 1; round <= hands.length; round++) {
      const startA = await a.next('start');
      const startB = await b.next('start');
      assert.equal(startA.round, round);
      assert.equal(startB.round, round);
      assert.equal(startA.round_ms, ROUND_MS);
      assert.deepEqual(startA.seats.map((s) => s.name), ['alice', 'bob']);
      hands[round - 1].forEach((choice, i) => {
        if (choice) players[i].send({ type: 'choice', choice });
      });
      const [resA, resB] = [await a.next('result'), await b.next('result')];
      assert.deepEqual(resA, resB, 'both players see the same result');
      assert.equal(resA.round, round);
      const want = expectedResult(hands[round - 1], standings);
      resA.seats.forEach((line, i) => {
        assert.equal(line.seat, his[i].seat);
        assert.equal(line.choice, hands[round - 1][i]);
        assert.deepEqual(
          { base: line.base, score: line.score, total: line.total, streak: line.streak },
          want[i],
          `round ${round}, seat ${i}`,
        );
      });
      standings = want.map(({ total, streak }) => ({ total, streak }));
      a.send({ type: 'join' });
      b.send({ type: 'join' });
    }
    // Round 1: rock beats scissors (alice 1). Round 2: scissors beats paper (bob 1).
    // Round 3: alice chose nothing and loses to rock (bob streak 2, score 2).
    assert.deepEqual(standings, [{ total: 1, streak: 0 }, { total: 3, streak: 2 }]);
    await Promise.all(players.map((p) => p.close()));
  });

  test('a lone player gets a bot, sees it move, and gets a result', async () => {
    const solo = await Player.connect(server.wsUrl, { name: 'solo' });
    const hi = await solo.next('hi');
    const start = await solo.next('start', BOT_WAIT_MS + SLACK_MS);
    const bot = start.seats.find((s) => s.bot);
    assert.ok(bot, 'a bot took the free seat');
    assert.notEqual(bot.seat, hi.seat);
    solo.send({ type: 'choice', choice: 'paper' });
    const movement = await solo.next('movement', ROUND_MS + SLACK_MS);
    assert.deepEqual(movement, { type: 'movement', seat: bot.seat, what: 'choice' });
    const result = await solo.next('result', ROUND_MS + SLACK_MS);
    const botLine = result.seats.find((s) => s.seat === bot.seat);
    const mine = result.seats.find((s) => s.seat === hi.seat);
    assert.ok(['rock', 'paper', 'scissors'].includes(botLine.choice), 'the bot chose a hand');
    assert.equal(mine.choice, 'paper');
    const want = expectedResult(['paper', botLine.choice], [{ total: 0, streak: 0 }, { total: 0, streak: 0 }]);
    assert.equal(mine.base, want[0].base);
    await solo.close();
  });

  test('movement reaches the opponent and never contains the choice', async () => {
    const { players, his } = await seatedTogether(server, ['mover', 'watcher']);
    const [mover, watcher] = players;
    await mover.next('start');
    await watcher.next('start');
    const from = watcher.raw.length;
    mover.send({ type: 'choice', choice: 'scissors' });
    const moved = await watcher.next('movement');
    assert.deepEqual(moved, { type: 'movement', seat: his[0].seat, what: 'choice' });
    mover.send({ type: 'choice', choice: 'rock' }); // changing the hand moves again
    assert.equal((await watcher.next('movement')).what, 'choice');
    mover.send({ type: 'face', face: 'laugh' });
    assert.deepEqual(await watcher.next('movement'), {
      type: 'movement', seat: his[0].seat, what: 'face', face: 'laugh',
    });
    const result = await watcher.next('result');
    // Everything the watcher received before the result says nothing of the hand.
    const beforeResult = watcher.raw.slice(from, watcher.raw.indexOf(JSON.stringify(result)));
    for (const text of beforeResult) {
      assert.doesNotMatch(text, /rock|scissors|paper/, text);
    }
    assert.equal(result.seats.find((s) => s.seat === his[0].seat).choice, 'rock');
    await Promise.all(players.map((p) => p.close()));
  });

  test('frames sent back to back, while the hand before them is still being stored, reach the opponent in order', async () => {
    // Each hand writes the room; the frames behind it arrive while that commit is in
    // flight, wait for it and go out together (RoomShell::finish_grouped). They must
    // keep their order, and the last hand must be the one that counts.
    const { players, his } = await seatedTogether(server, ['quick', 'reader']);
    const [quick, reader] = players;
    await quick.next('start');
    await reader.next('start');
    const sent = [
      ['choice', 'rock'], ['face', 'laugh'], ['choice', 'paper'], ['face', 'cry'],
      ['choice', 'scissors'], ['face', 'angry'], ['choice', 'rock'], ['face', 'smirk'],
    ];
    for (const [type, value] of sent) quick.send({ type, [type]: value });
    const seen = [];
    for (let i = 0; i < sent.length; i++) {
      const moved = await reader.next('movement');
      assert.equal(moved.seat, his[0].seat);
      seen.push(moved.what === 'face' ? `face:${moved.face}` : 'choice');
    }
    assert.deepEqual(seen, sent.map(([type, value]) => (type === 'face' ? `face:${value}` : 'choice')));
    reader.send({ type: 'choice', choice: 'paper' });
    const result = await reader.next('result');
    assert.equal(result.seats.find((s) => s.seat === his[0].seat).choice, 'rock', 'the last hand sent counts');
    await Promise.all(players.map((p) => p.close()));
  });

  test('garbage gets error frames and the room still finishes its round', async () => {
    const { players, his } = await seatedTogether(server, ['vandal', 'honest']);
    const [vandal, honest] = players;
    await vandal.next('start');
    const garbage = [
      ['this is not json', 'bad_frame'],
      ['{"type":"explode"}', 'unknown_type'],
      ['{"type":"choice","choice":"rock","seat":1}', 'bad_frame'],
      ['{"type":"choice","choice":"dynamite"}', 'bad_frame'],
      ['[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', 'bad_frame'],
      ['{"type":"join"}', 'round_in_progress'],
    ];
    for (const [text, code] of garbage) {
      vandal.sendRaw(text);
      const err = await vandal.next('error');
      assert.equal(err.code, code, text);
    }
    vandal.sendRaw(new Uint8Array([0xff, 0x00, 0x13]));
    assert.equal((await vandal.next('error')).code, 'binary_frame');
    vandal.send({ type: 'choice', choice: 'paper' });
    honest.send({ type: 'choice', choice: 'rock' });
    const result = await honest.next('result');
    assert.deepEqual(
      result.seats.map((s) => [s.seat, s.choice]),
      [[his[0].seat, 'paper'], [his[1].seat, 'rock']].sort((x, y) => x[0] - y[0]),
    );
    assert.doesNotMatch(server.log(), /panicked|RuntimeError: unreachable/);
    await Promise.all(players.map((p) => p.close()));
  });

  test('a flood gets rate_limited errors, then close 1008; the other player plays on', async () => {
    const { players, his } = await seatedTogether(server, ['flooder', 'patient']);
    const [flooder, patient] = players;
    await patient.next('start');
    patient.send({ type: 'choice', choice: 'rock' });
    for (let i = 0; i < 60; i++) flooder.sendRaw('{"type":"face","face":"angry"}');
    assert.equal((await flooder.next('error')).code, 'rate_limited');
    const closed = await Promise.race([flooder.closed, new Promise((r) => setTimeout(() => r(null), 10_000))]);
    assert.equal(closed?.code, 1008, 'closed for the flood');
    const result = await patient.next('result');
    const flooderLine = result.seats.find((s) => s.seat === his[0].seat);
    assert.equal(flooderLine.choice, null, 'the flooder forfeits the round');
    assert.equal(result.seats.find((s) => s.seat === his[1].seat).base, 1);
  });

  test('leave frees the seat with close code 1000', async () => {
    const { players } = await seatedTogether(server, ['stayer', 'leaver']);
    const [stayer, leaver] = players;
    await leaver.next('start');
    await stayer.next('result');
    leaver.send({ type: 'leave' });
    assert.equal((await leaver.closed).code, 1000);
    const room = await stayer.next('room');
    assert.equal(room.seats.length, 1, 'only the stayer is left');
    await stayer.close();
  });
});
