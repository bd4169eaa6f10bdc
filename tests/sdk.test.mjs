// The client SDK against the real server: through the browser transport, and through
// the example mini-program's own page logic on a `wx` stand-in whose sockets are real.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { ArenaClient, browserTransport, guestSession, sessionAuth } from '../client/src/index.js';
import { Player, expectedResult, leaveAll } from './support/client.mjs';
import { startServer } from './support/server.mjs';
import { installWx, waitForData } from './support/wx.mjs';

/** Resolves with the next `type` event of an SDK client. */
const nextEvent = (client, type, timeout = 15_000) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeout} ms`)), timeout);
  const off = client.on(type, (v) => { clearTimeout(timer); off(); resolve(v); });
});

describe('client SDK against the server', () => {
  let server;
  before(async () => {
    server = await startServer({ vars: { ROUND_MS: 1500, BOT_WAIT_MS: 600000, DIG_BOARD: 4, DIG_GOLD: 2 } });
  });
  let cleanup = null;
  afterEach(async () => {
    cleanup?.();
    cleanup = null;
    await leaveAll();
  });
  after(async () => server?.stop());

  test('two SDK clients (browser transport) are matched and play a round', async () => {
    const make = (name) => new ArenaClient({
      url: server.wsUrl, name, auth: sessionAuth(guestSession(server.url)), transport: browserTransport(),
    });
    const [a, b] = [make('sdk-a'), make('sdk-b')];
    const connections = [];
    a.on('connection', (s) => connections.push(s));
    const started = [nextEvent(a, 'start'), nextEvent(b, 'start')];
    a.connect();
    await nextEvent(a, 'hi');
    b.connect();
    await Promise.all(started);
    assert.deepEqual(connections, ['connecting', 'open']);
    assert.ok(a.token.startsWith(`${a.room}.`), 'the SDK kept the resume token');
    const results = [nextEvent(a, 'result'), nextEvent(b, 'result')];
    a.send({ type: 'choice', choice: 'scissors' });
    b.send({ type: 'choice', choice: 'paper' });
    const [ra, rb] = await Promise.all(results);
    assert.deepEqual(ra, rb);
    const zero = { total: 0, streak: 0 };
    const want = expectedResult(['scissors', 'paper'], [zero, zero]);
    assert.deepEqual(ra.seats.map((s) => s.base), want.map((w) => w.base));
    const closed = nextEvent(a, 'close');
    a.leave();
    assert.equal((await closed).code, 1000);
    assert.equal(a.state, 'closed');
    const bClosed = nextEvent(b, 'close');
    b.leave(); // leave, not close: a closed seat would be held for a resume
    await bClosed;
  });

  test('the example mini-program page plays a full round through wx.connectSocket', async () => {
    const mp = installWx();
    mp.require('config.js').serverUrl = server.wsUrl;
    mp.launch();
    const page = mp.open('pages/index/index', { name: '小程序' });
    cleanup = () => mp.dispose();
    await waitForData(page, (d) => d.connection === 'open' && d.mySeat !== null);
    assert.equal(mp.sockets.length, 1, 'the page opened one socket through wx.connectSocket');

    const rival = await Player.connect(server.wsUrl, { name: 'rival' });
    await rival.next('start');
    const playing = await waitForData(page, (d) => d.phase === 'playing');
    assert.equal(playing.round, 1);
    assert.deepEqual(playing.seats.map((s) => s.name).sort(), ['rival', '小程序'].sort());

    // The rival moves: the page spins the rival's avatar.
    rival.send({ type: 'choice', choice: 'scissors' });
    const rivalSeat = playing.seats.find((s) => s.name === 'rival').seat;
    await waitForData(page, (d) => d.seats.find((s) => s.seat === rivalSeat)?.spinning);

    page.choose({ currentTarget: { dataset: { choice: 'rock' } } });
    assert.equal(page.data.myChoice, 'rock');
    assert.equal(playing.seats.length, 2);
    const done = await waitForData(page, (d) => d.phase === 'result');
    assert.equal(done.result.outcome, 'win', 'rock beats scissors');
    assert.equal(done.result.lines[0].mine, true);
    assert.equal(done.result.lines[0].choice, 'rock');
    assert.equal(done.result.lines[1].choice, 'scissors');
    const seen = await rival.next('result');
    assert.equal(seen.seats.find((s) => s.seat === page.data.mySeat).choice, 'rock');

    // Play again: the page says whom it waits for (the rival is seated, not "players").
    page.playAgain();
    await waitForData(page, (d) => d.phase === 'waiting' && d.waiting.includes('Waiting for rival to play again'));
    rival.send({ type: 'join' });
    await waitForData(page, (d) => d.phase === 'playing' && d.round === 2);
    await rival.leave();
  });

  test('the example mini-program plays dig gold to the end and chats', async () => {
    const mp = installWx();
    mp.require('config.js').serverUrl = server.wsUrl;
    mp.launch();
    const dig = mp.open('pages/dig/dig', { name: '矿工' });
    cleanup = () => mp.dispose();
    await waitForData(dig, (d) => d.connection === 'open' && d.mySeat !== null);
    const rival = await Player.connect(server.wsUrl, { name: 'rival', game: 'dig' });
    const hi = await rival.next('hi');
    await waitForData(dig, (d) => d.cells.length === 4 && d.turn !== null);
    // Take turns: the page taps the first undug cell on its turn, the rival digs on its.
    for (let moves = 0; moves < 16 && !dig.data.over; moves++) {
      const before = dig.data.rows.join('');
      const turn = dig.data.turn;
      const first = before.indexOf('.');
      const [x, y] = [first % 4, Math.floor(first / 4)];
      if (dig.data.myTurn) dig.dig({ currentTarget: { dataset: { x, y } } });
      else rival.send({ type: 'dig', x, y });
      // The dig shows, and (unless that was the last gold) the turn passes.
      await waitForData(dig, (d) => d.over || (d.rows.join('') !== before && d.turn !== turn));
    }
    const over = await waitForData(dig, (d) => d.over);
    const ending = await rival.next('game_over');
    assert.equal(over.over.won, ending.winners.includes(dig.data.mySeat));
    assert.equal(dig.data.rows.join('').split('$').length - 1, 2, 'both gold cells dug');
    assert.notEqual(hi.seat, dig.data.mySeat);
    await rival.leave();
    mp.close(dig);

    const chat = mp.open('pages/chat/chat', { name: '小程序' });
    await waitForData(chat, (d) => d.connection === 'open' && d.mySeat !== null);
    const friend = await Player.connect(server.wsUrl, { name: 'friend', game: 'chat' });
    await friend.next('hi');
    await waitForData(chat, (d) => d.online === 2);
    friend.send({ type: 'say', text: '你好！' });
    await waitForData(chat, (d) => d.lines.some((l) => l.kind === 'said' && l.text === '你好！' && l.name === 'friend'));
    chat.onInput({ detail: { value: 'hi from the mini-program' } });
    chat.send();
    assert.equal((await friend.next('said')).text, '你好！', 'everyone gets every message, the sender too');
    const said = await friend.next('said');
    assert.deepEqual([said.name, said.text], ['小程序', 'hi from the mini-program']);
    await friend.leave();
  });
});
