// The SDK core on a fake clock and a fake transport: no sockets, no sleeping.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ArenaClient, backoffDelay } from '../src/arena.js';
import { CLOSE_CODES, PING_FRAME } from '../src/codes.js';
import { sessionAuth } from '../src/login.js';

/** A clock whose time moves only when the test says so. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    /** Runs every timer due up to now + ms, in time order. */
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  };
}

/** A transport that records every socket; the test plays the server. */
function fakeTransport() {
  const sockets = [];
  const transport = (url, protocols) => {
    const socket = { url, protocols, sent: [], closed: null };
    socket.send = (text) => socket.sent.push(text);
    socket.close = (code, reason) => { socket.closed = { code, reason }; };
    sockets.push(socket);
    return socket;
  };
  return { transport, sockets, last: () => sockets[sockets.length - 1] };
}

function setup(options = {}) {
  const clock = fakeClock();
  const net = fakeTransport();
  const client = new ArenaClient({
    url: 'wss://arena.test/ws', name: '小明', transport: net.transport, clock, random: () => 0.5, ...options,
  });
  return { clock, net, client };
}

const hi = (resume = 'rps-0.abc') => JSON.stringify({ type: 'hi', room: 'rps-0', seat: 1, size: 2, online: 2, round_ms: 5000, resume, resumed: false });

test('backoff doubles from the base, is capped, and jitters within [cap/2, cap]', () => {
  const half = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 500, 8000, () => 0));
  assert.deepEqual(half, [250, 500, 1000, 2000, 4000, 4000, 4000]);
  const full = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 500, 8000, () => 1));
  assert.deepEqual(full, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
  assert.equal(backoffDelay(1000, 500, 8000, () => 1), 8000, 'huge attempts do not overflow');
});

test('reconnects on the backoff schedule after drops, and resets after a good connection', () => {
  const { clock, net, client } = setup({ backoffBaseMs: 1000, backoffMaxMs: 60000 });
  client.connect();
  assert.equal(net.sockets.length, 1);
  assert.equal(net.last().url, 'wss://arena.test/ws?name=%E5%B0%8F%E6%98%8E');
  const opens = [];
  for (let drop = 0; drop < 4; drop++) {
    net.last().onclose(1006, '');
    assert.equal(client.state, 'reconnecting');
    const before = net.sockets.length;
    let waited = 0;
    while (net.sockets.length === before) { clock.advance(10); waited += 10; }
    opens.push(waited);
  }
  // random() = 0.5 → 3/4 of the cap: 750, 1500, 3000, 6000.
  assert.deepEqual(opens, [750, 1500, 3000, 6000]);
  net.last().onopen();
  assert.equal(client.state, 'open');
  net.last().onclose(1006, '');
  clock.advance(750);
  assert.equal(net.sockets.length, 6, 'after an open the schedule starts over');
});

test('frames sent while disconnected are queued, bounded, and flushed in order', () => {
  const { net, client } = setup({ queueLimit: 3 });
  const dropped = [];
  client.on('dropped', (f) => dropped.push(f.face));
  client.connect();
  for (const face of ['laugh', 'cry', 'angry', 'smirk', 'laugh']) client.send({ type: 'face', face });
  assert.deepEqual(dropped, ['laugh', 'cry'], 'the oldest go first');
  net.last().onopen();
  assert.deepEqual(net.last().sent.map((t) => JSON.parse(t).face), ['angry', 'smirk', 'laugh']);
  client.send({ type: 'join' });
  assert.equal(net.last().sent.at(-1), '{"type":"join"}', 'sent at once when open');
});

test('heartbeats go out on time and a silent connection is replaced', () => {
  const { clock, net, client } = setup({ heartbeatMs: 10000, heartbeatTimeoutMs: 25000 });
  client.connect();
  const first = net.last();
  first.onopen();
  clock.advance(10000);
  assert.deepEqual(first.sent, [PING_FRAME]);
  first.onmessage('{"type":"pong"}'); // at 10 s: alive until 35 s
  clock.advance(20000);
  assert.deepEqual(first.sent, [PING_FRAME, PING_FRAME, PING_FRAME]);
  assert.equal(first.closed, null, 'still alive at 30 s');
  clock.advance(5000); // 35 s: nothing heard for 25 s
  assert.deepEqual(first.closed, { code: 1000, reason: 'reconnecting' });
  assert.equal(client.state, 'reconnecting');
  clock.advance(1000);
  assert.equal(net.sockets.length, 2);
});

test('a connection that never opens is abandoned after the connect timeout', () => {
  const { clock, net, client } = setup({ connectTimeoutMs: 5000 });
  client.connect();
  clock.advance(5000);
  assert.ok(net.sockets[0].closed);
  assert.equal(client.state, 'reconnecting');
});

test('resume: reconnects with the token; seat_gone drops it and matches anew', () => {
  const { clock, net, client } = setup();
  client.connect();
  net.last().onopen();
  net.last().onmessage(hi('rps-0.secret'));
  assert.equal(client.seat, 1);
  net.last().onclose(1006, '');
  clock.advance(1000);
  assert.equal(net.last().url, 'wss://arena.test/ws?resume=rps-0.secret');
  net.last().onopen();
  const errors = [];
  client.on('error', (f) => errors.push(f.code));
  net.last().onmessage(JSON.stringify({ type: 'error', code: 'seat_gone', message: 'late' }));
  assert.deepEqual(errors, ['seat_gone']);
  assert.ok(net.last().closed, 'the refused socket is dropped at once');
  clock.advance(0);
  assert.equal(net.last().url, 'wss://arena.test/ws?name=%E5%B0%8F%E6%98%8E', 'fresh join, no token');
});

test('after leave (1000) or being replaced (4001) the client stays closed', () => {
  for (const code of [1000, 4001]) {
    const { clock, net, client } = setup();
    const closes = [];
    client.on('close', (c) => closes.push(c.code));
    client.connect();
    net.last().onopen();
    client.leave();
    assert.equal(net.last().sent.at(-1), '{"type":"leave"}');
    net.last().onclose(code, '');
    clock.advance(60000);
    assert.equal(net.sockets.length, 1, `no reconnect after ${code}`);
    assert.equal(client.state, 'closed');
    assert.deepEqual(closes, [code]);
    assert.equal(client.send({ type: 'join' }), false);
  }
});

test('wake() skips the backoff wait; typed events fire per frame type', () => {
  const { net, client } = setup({ backoffBaseMs: 10000 });
  const results = [];
  client.on('result', (f) => results.push(f.round));
  client.connect();
  net.last().onopen();
  net.last().onmessage('{"type":"result","round":3,"seats":[]}');
  net.last().onmessage('not json'); // ignored, not fatal
  assert.deepEqual(results, [3]);
  net.last().onclose(1006, '');
  assert.equal(net.sockets.length, 1);
  client.wake();
  assert.equal(net.sockets.length, 2, 'reconnected at once');
});

test('events from an abandoned socket are ignored', () => {
  const { clock, net, client } = setup({ connectTimeoutMs: 1000 });
  client.connect();
  const stale = net.last();
  clock.advance(1000); // abandoned
  clock.advance(1000); // reconnecting
  stale.onopen();
  stale.onclose(1000, '');
  assert.notEqual(client.state, 'closed', 'a late close of the old socket changes nothing');
  assert.equal(client.state, 'reconnecting');
});

/** Lets pending promise callbacks (the auth callback's) run. */
const settle = () => new Promise((r) => setImmediate(r));

test('the session token travels as a subprotocol, never in the URL', async () => {
  const { net, client } = setup({ token: 'tok-1' });
  client.connect();
  assert.deepEqual(net.last().protocols, ['edge-arena', 'bearer.tok-1']);
  assert.ok(!net.last().url.includes('tok-1'));
});

test('an expired token is replaced through auth and the client connects again', async () => {
  const asked = [];
  let n = 0;
  const auth = async ({ refresh }) => { asked.push(refresh); n += 1; return `tok-${n}`; };
  const { clock, net, client } = setup({ auth });
  client.connect();
  await settle();
  assert.deepEqual(net.last().protocols, ['edge-arena', 'bearer.tok-1']);
  net.last().onopen();
  net.last().onmessage(JSON.stringify({ type: 'error', code: 'token_expired', message: 'x' }));
  clock.advance(60_000);
  await settle();
  assert.deepEqual(asked, [false, true], 'asked once, then for a fresh token');
  assert.equal(net.sockets.length, 2);
  assert.deepEqual(net.last().protocols, ['edge-arena', 'bearer.tok-2']);
  net.last().onopen();
  net.last().onmessage(hi());
  assert.equal(client.state, 'open');
});

test('refusals in a row end in a final close 4003 instead of a loop', async () => {
  const auth = async () => 'always-bad';
  const { clock, net, client } = setup({ auth });
  const closes = [];
  client.on('close', (c) => closes.push(c.code));
  client.connect();
  for (let i = 0; i < 5 && client.state !== 'closed'; i++) {
    await settle();
    net.last().onopen();
    net.last().onmessage(JSON.stringify({ type: 'error', code: 'unauthorized', message: 'x' }));
    clock.advance(60_000);
  }
  assert.equal(client.state, 'closed');
  assert.deepEqual(closes, [CLOSE_CODES.Unauthorized]);
  assert.equal(net.sockets.length, 3);
});

test('without auth, close 4003 is final', () => {
  const { net, client } = setup();
  const closes = [];
  client.on('close', (c) => closes.push(c.code));
  client.connect();
  net.last().onclose(4003, 'unauthorized');
  assert.equal(client.state, 'closed');
  assert.deepEqual(closes, [4003]);
});

test('sessionAuth reuses a session until it nearly expires, or a refresh is asked', async () => {
  let now = 0;
  let fetched = 0;
  const saved = [];
  const auth = sessionAuth(async () => { fetched += 1; return { token: `t${fetched}`, expires_at: now + 120_000 }; }, {
    clock: { now: () => now },
    store: { load: () => null, save: (s) => saved.push(s.token) },
  });
  assert.equal(await auth({ refresh: false }), 't1');
  assert.equal(await auth({ refresh: false }), 't1');
  now = 61_000; // within a minute of expiry
  assert.equal(await auth({ refresh: false }), 't2');
  assert.equal(await auth({ refresh: true }), 't3');
  assert.deepEqual(saved, ['t1', 't2', 't3']);
});
