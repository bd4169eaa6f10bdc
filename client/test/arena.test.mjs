// The SDK core on a fake clock and a fake transport: no sockets, no sleeping.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ArenaClient, backoffDelay } from '../src/arena.js';
import { CLOSE_CODES, PING_FRAME } from '../src/codes.js';
import { LoginError, sessionAuth, wxStore } from '../src/login.js';
import { wxTransport } from '../src/transports.js';
import { fakeClock, fakeTransport } from './fakes.mjs';

/** The app's visibility as a transport reports it; `hide()` / `show()` play WeChat. */
function fakeLifecycle(transport) {
  const listeners = new Set();
  transport.lifecycle = (onHide, onShow) => {
    const entry = { onHide, onShow };
    listeners.add(entry);
    return () => listeners.delete(entry);
  };
  return {
    listeners,
    hide: () => [...listeners].forEach((l) => l.onHide()),
    show: () => [...listeners].forEach((l) => l.onShow()),
  };
}

function setup(options = {}) {
  const clock = fakeClock();
  const net = fakeTransport();
  net.app = fakeLifecycle(net.transport);
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
  clock.advance(5000); // minUptimeMs: this connection proved itself
  net.last().onclose(1006, '');
  clock.advance(750);
  assert.equal(net.sockets.length, 6, 'after a connection that lasted, the schedule starts over');
});

test('a connection dropped at once does not reset the backoff (minUptimeMs)', () => {
  const { clock, net, client } = setup({ backoffBaseMs: 1000, backoffMaxMs: 60000, minUptimeMs: 5000 });
  client.connect();
  const waits = [];
  for (let drop = 0; drop < 4; drop++) {
    net.last().onopen();
    clock.advance(100); // accepted, then dropped
    net.last().onclose(1006, '');
    const before = net.sockets.length;
    let waited = 0;
    while (net.sockets.length === before) { clock.advance(10); waited += 10; }
    waits.push(waited);
  }
  assert.deepEqual(waits, [750, 1500, 3000, 6000]);
  assert.equal(client.state, 'reconnecting');
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

test('a result told again on resume (it may have been lost with the old socket) is told once', () => {
  const { clock, net, client } = setup();
  const rounds = [];
  client.on('result', (f) => rounds.push(f.round));
  const result = (round) => JSON.stringify({ type: 'result', round, seats: [] });
  client.connect();
  net.last().onopen();
  net.last().onmessage(hi('rps-0.secret'));
  net.last().onmessage(result(1));
  net.last().onclose(1006, '');
  clock.advance(1000);
  net.last().onopen();
  net.last().onmessage(hi('rps-0.secret'));
  net.last().onmessage(result(1)); // the server's copy for a client that may have missed it
  net.last().onmessage(result(2));
  assert.deepEqual(rounds, [1, 2]);
  // A client that did miss it hears it: here round 3 never arrived before the drop.
  net.last().onclose(1006, '');
  clock.advance(1000);
  net.last().onopen();
  net.last().onmessage(hi('rps-0.secret'));
  net.last().onmessage(result(3));
  assert.deepEqual(rounds, [1, 2, 3]);
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

test('sessionAuth: callers while a login is under way share it (one identity, not two)', async () => {
  let fetched = 0;
  let release;
  const gate = new Promise((r) => { release = r; });
  const auth = sessionAuth(async () => { fetched += 1; const n = fetched; await gate; return { token: `t${n}`, expires_at: 10_000_000 }; }, {
    clock: { now: () => 0 },
  });
  const both = Promise.all([auth(), auth({ refresh: false })]);
  release();
  assert.deepEqual(await both, ['t1', 't1']);
  assert.equal(fetched, 1);
  // A failed login is not kept: the next caller tries again.
  let fail = true;
  const flaky = sessionAuth(async () => { if (fail) throw new Error('down'); return { token: 'ok', expires_at: 10_000_000 }; }, { clock: { now: () => 0 } });
  await assert.rejects(flaky(), /down/);
  fail = false;
  assert.equal(await flaky(), 'ok');
});

/** Opens the client's current socket and says hi (seat 1, resume token `rps-0.abc`). */
function openWithHi(net) {
  net.last().onopen();
  net.last().onmessage(hi());
}

test('WeChat closing a socket with 1000 "interrupted" is not final: it reconnects and resumes', () => {
  const { clock, net, client } = setup();
  const events = [];
  client.on('drop', (d) => events.push(['drop', d.code, d.reason]));
  client.on('reconnect', (r) => events.push(['reconnect', r.attempts]));
  client.on('close', () => events.push(['close']));
  client.connect();
  openWithHi(net);
  net.last().onclose(1000, 'interrupted');
  assert.equal(client.state, 'reconnecting');
  clock.advance(1000);
  assert.equal(net.sockets.length, 2);
  assert.equal(net.last().url, 'wss://arena.test/ws?resume=rps-0.abc');
  net.last().onopen();
  assert.equal(client.state, 'open');
  assert.deepEqual(events, [['drop', 1000, 'interrupted'], ['reconnect', 1]]);
});

test('a 1000 the app did not ask for (any reason) reconnects; after close() nothing does', () => {
  const { clock, net, client } = setup();
  client.connect();
  openWithHi(net);
  net.last().onclose(1000, 'closed');
  clock.advance(1000);
  assert.equal(net.sockets.length, 2, 'a server or proxy 1000 is not a leave');
  net.last().onopen();
  const closes = [];
  client.on('close', (c) => closes.push(c));
  client.close();
  assert.deepEqual(net.last().closed, { code: 1000, reason: 'done' });
  assert.deepEqual(closes, [{ code: 1000, reason: 'client closed' }]);
  net.last().onclose(1000, 'closed');
  clock.advance(60_000);
  assert.equal(net.sockets.length, 2);
  assert.equal(client.state, 'closed');
});

test('after leave() any close is final, even one that is not 1000', () => {
  const { clock, net, client } = setup();
  client.connect();
  openWithHi(net);
  client.leave();
  net.last().onclose(1006, '');
  clock.advance(60_000);
  assert.equal(net.sockets.length, 1);
  assert.equal(client.state, 'closed');
});

test('1009 is final; 4002 forgets the seat and rejoins without the token at once', () => {
  {
    const { clock, net, client } = setup();
    client.connect();
    openWithHi(net);
    net.last().onclose(1009, 'too big');
    clock.advance(60_000);
    assert.equal(net.sockets.length, 1);
    assert.equal(client.state, 'closed');
  }
  const { clock, net, client } = setup();
  client.connect();
  openWithHi(net);
  net.last().onclose(4002, 'seat gone');
  clock.advance(0);
  assert.equal(net.sockets.length, 2);
  assert.equal(net.last().url, 'wss://arena.test/ws?name=%E5%B0%8F%E6%98%8E');
  assert.equal(client.seat, null);
});

test('a close 4003 with auth gets a fresh token, a bounded number of times', async () => {
  let n = 0;
  const asked = [];
  const auth = async ({ refresh }) => { asked.push(refresh); n += 1; return `tok-${n}`; };
  const { clock, net, client } = setup({ auth });
  const errors = [];
  client.on('auth_error', (e) => errors.push([e.code, e.final]));
  client.connect();
  for (let i = 0; i < 5 && client.state !== 'closed'; i++) {
    await settle();
    net.last().onclose(4003, 'unauthorized');
    clock.advance(60_000);
  }
  assert.equal(client.state, 'closed');
  assert.deepEqual(asked, [false, true, true]);
  assert.deepEqual(errors, [['unauthorized', false], ['unauthorized', false], ['unauthorized', true]]);
});

test('a refusing login API (503 not_configured) ends in close 4003 after bounded tries', async () => {
  let calls = 0;
  const auth = async () => { calls += 1; throw new LoginError(503, 'not_configured', 'no WECHAT_APPID'); };
  const { clock, net, client } = setup({ auth });
  const errors = [];
  const closes = [];
  client.on('auth_error', (e) => errors.push([e.code, e.final, e.error instanceof LoginError]));
  client.on('close', (c) => closes.push(c));
  client.connect();
  for (let i = 0; i < 10 && client.state !== 'closed'; i++) {
    await settle();
    clock.advance(60_000);
  }
  assert.equal(client.state, 'closed');
  assert.equal(calls, 3);
  assert.equal(net.sockets.length, 0, 'no socket without a token');
  assert.deepEqual(errors, [['not_configured', false, true], ['not_configured', false, true], ['not_configured', true, true]]);
  assert.deepEqual(closes, [{ code: 4003, reason: 'not_configured' }]);
});

test('a login that fails on the network is retried like a connection, up to maxRetries', async () => {
  let calls = 0;
  const auth = async () => { calls += 1; throw new LoginError(0, 'network', 'request:fail'); };
  const { clock, client } = setup({ auth, maxRetries: 5 });
  const finals = [];
  client.on('auth_error', (e) => finals.push(e.final));
  const closes = [];
  client.on('close', (c) => closes.push(c.reason));
  client.connect();
  for (let i = 0; i < 20 && client.state !== 'closed'; i++) {
    await settle();
    clock.advance(60_000);
  }
  assert.equal(calls, 6, 'the first try and 5 retries');
  assert.ok(finals.every((f) => f === false), 'a network failure is never an auth verdict');
  assert.deepEqual(closes, ['max_retries']);
});

test('maxRetries: gives up after that many failed reconnects in a row, and counts from 0 after an open', () => {
  const { clock, net, client } = setup({ maxRetries: 2 });
  const closes = [];
  client.on('close', (c) => closes.push(c));
  client.connect();
  openWithHi(net);
  net.last().onclose(1006, '');
  clock.advance(2000); // under the connect timeout
  net.last().onclose(1006, ''); // attempt 1 failed
  clock.advance(2000); // under the connect timeout
  net.last().onopen(); // attempt 2 succeeded and lasts: the count starts over
  clock.advance(5000);
  net.last().onclose(1006, '');
  clock.advance(2000); // under the connect timeout
  net.last().onclose(1006, '');
  clock.advance(2000); // under the connect timeout
  assert.equal(client.state, 'reconnecting');
  net.last().onclose(1006, 'gone');
  assert.equal(client.state, 'closed');
  assert.deepEqual(closes, [{ code: 1006, reason: 'max_retries' }]);
  assert.equal(net.sockets.length, 5);
});

test('hidden app: no attempt while in the background, a reconnect at once on show', () => {
  const { clock, net, client } = setup();
  client.connect();
  openWithHi(net);
  assert.equal(net.app.listeners.size, 1, 'the client listens to the app lifecycle');
  net.app.hide();
  clock.advance(5000);
  net.last().onclose(1000, 'interrupted'); // WeChat, 5 s into the background
  clock.advance(120_000);
  assert.equal(net.sockets.length, 1, 'no connection attempt while hidden');
  assert.equal(client.state, 'reconnecting');
  net.app.show();
  assert.equal(net.sockets.length, 2, 'reconnected on show, without waiting');
  assert.equal(net.last().url, 'wss://arena.test/ws?resume=rps-0.abc');
  client.close();
  assert.equal(net.app.listeners.size, 0, 'a closed client stops listening');
});

test('shown again with a socket that looks open: a ping must be answered within the connect timeout', () => {
  const { clock, net, client } = setup({ connectTimeoutMs: 3000 });
  client.connect();
  openWithHi(net);
  net.app.hide();
  clock.advance(1000);
  net.app.show();
  assert.equal(net.last().sent.at(-1), PING_FRAME);
  clock.advance(3000);
  assert.ok(net.sockets[0].closed, 'no pong: replaced');
  assert.equal(net.sockets.length, 2);
  // A live socket answers and stays.
  net.last().onopen();
  net.app.hide();
  net.app.show();
  net.last().onmessage('{"type":"pong"}');
  clock.advance(3000);
  assert.equal(net.last().closed, null);
});

test('reconnect(): a fresh socket now, resuming the seat; also restarts a closed client', () => {
  const { net, client } = setup();
  client.connect();
  openWithHi(net);
  client.reconnect();
  assert.deepEqual(net.sockets[0].closed, { code: 1000, reason: 'reconnecting' });
  assert.equal(net.sockets.length, 2);
  assert.equal(net.last().url, 'wss://arena.test/ws?resume=rps-0.abc');
  net.last().onopen();
  client.close();
  assert.equal(client.state, 'closed');
  client.reconnect();
  assert.equal(net.sockets.length, 3);
  assert.equal(client.state, 'reconnecting');
});

test('on, off and once', () => {
  const { net, client } = setup();
  const seen = [];
  const a = (f) => seen.push(['a', f.round]);
  const b = (f) => seen.push(['b', f.round]);
  client.on('result', a);
  client.once('result', b);
  const unsubscribe = client.on('result', (f) => seen.push(['c', f.round]));
  client.connect();
  net.last().onopen();
  net.last().onmessage('{"type":"result","round":1,"seats":[]}');
  client.off('result', a);
  unsubscribe();
  net.last().onmessage('{"type":"result","round":2,"seats":[]}');
  assert.deepEqual(seen, [['a', 1], ['b', 1], ['c', 1]]);
  const onceOff = () => seen.push(['d']);
  client.once('result', onceOff);
  client.off('result', onceOff);
  net.last().onmessage('{"type":"result","round":3,"seats":[]}');
  assert.equal(seen.length, 3, 'off removes a once listener too');
});

test('options are validated: an unknown option throws, naming it', () => {
  const base = { url: 'wss://x/ws', transport: () => ({}) };
  assert.throws(() => new ArenaClient({ ...base, queuelimit: 3 }), /unknown option "queuelimit" \(did you mean "queueLimit"\?\)/);
  assert.throws(() => new ArenaClient({ ...base, retries: 3 }), /unknown option "retries"/);
  assert.throws(() => new ArenaClient({ ...base, heartbeatMs: 'soon' }), /option "heartbeatMs" has a bad value/);
  assert.throws(() => new ArenaClient({ ...base, maxRetries: -1 }), /option "maxRetries"/);
  assert.throws(() => new ArenaClient({ transport: base.transport }), /option "url" is required/);
  assert.doesNotThrow(() => new ArenaClient({ ...base, maxRetries: Infinity, watch: undefined }));
});

test('no_such_room (a watch of a room that does not exist) is final', () => {
  const { clock, net, client } = setup({ watch: 'rps-0-9' });
  client.connect();
  assert.equal(net.last().url, 'wss://arena.test/ws?watch=rps-0-9');
  net.last().onopen();
  net.last().onmessage(JSON.stringify({ type: 'error', code: 'no_such_room', message: 'x' }));
  clock.advance(60_000);
  assert.equal(client.state, 'closed');
  assert.equal(net.sockets.length, 1);
});

test('guest and WeChat sessions are kept apart: switching the login mode logs in anew', async () => {
  const storage = new Map();
  const wx = { getStorageSync: (k) => storage.get(k) ?? '', setStorageSync: (k, v) => storage.set(k, v) };
  const source = (kind, token) => Object.assign(async () => ({ token, expires_at: 10_000_000, player: `${kind}:x` }), { kind, api: 'https://a' });
  const clock = { now: () => 0 };
  assert.equal(await sessionAuth(source('guest', 'g1'), { clock, store: wxStore(wx) })(), 'g1');
  assert.equal(await sessionAuth(source('guest', 'g2'), { clock, store: wxStore(wx) })(), 'g1', 'a kept guest session is reused');
  assert.equal(await sessionAuth(source('wechat', 'w1'), { clock, store: wxStore(wx) })(), 'w1', 'not the guest one');
  assert.deepEqual([...storage.keys()].sort(), ['edge-arena-session:guest', 'edge-arena-session:wechat']);
  // A session of another server is not reused either.
  const other = Object.assign(async () => ({ token: 'o1', expires_at: 10_000_000 }), { kind: 'wechat', api: 'https://b' });
  assert.equal(await sessionAuth(other, { clock, store: wxStore(wx) })(), 'o1');
});

test('wxTransport: wires wx.onAppHide/onAppShow, and a refused connectSocket is a close', async () => {
  const hides = new Set();
  const shows = new Set();
  let failNext = false;
  const wx = {
    onAppHide: (f) => hides.add(f), onAppShow: (f) => shows.add(f),
    offAppHide: (f) => hides.delete(f), offAppShow: (f) => shows.delete(f),
    connectSocket({ fail }) {
      const task = { onOpen() {}, onMessage() {}, onClose() {}, onError() {}, send() {}, close() {} };
      if (failNext) fail({ errMsg: 'connectSocket:fail exceed max task count' });
      return task;
    },
  };
  const transport = wxTransport(wx);
  const clock = fakeClock();
  const client = new ArenaClient({ url: 'wss://a/ws', transport, clock, random: () => 0.5 });
  client.connect();
  assert.deepEqual([hides.size, shows.size], [1, 1]);
  failNext = true;
  client.reconnect();
  await settle();
  assert.equal(client.state, 'reconnecting', 'the failed connectSocket was reported as a close');
  client.close();
  assert.deepEqual([hides.size, shows.size], [0, 0]);
});

test('drop events say why: the close code, a refused token, a lost seat, silence', async () => {
  const auth = async () => 'tok';
  const { clock, net, client } = setup({ auth, heartbeatTimeoutMs: 5000 });
  const drops = [];
  const states = [];
  client.on('drop', (d) => drops.push([d.code, d.reason]));
  client.on('connection', (s) => states.push(s));
  client.connect();
  await settle();
  const openNext = async () => {
    const before = net.sockets.length;
    for (let i = 0; i < 1000 && net.sockets.length === before; i++) { clock.advance(10); await settle(); }
    net.last().onopen();
  };
  net.last().onopen();
  net.last().onclose(1006, '');
  await openNext();
  net.last().onmessage(JSON.stringify({ type: 'error', code: 'token_expired', message: 'x' }));
  await openNext();
  net.last().onmessage(hi());
  net.last().onmessage(JSON.stringify({ type: 'error', code: 'seat_gone', message: 'x' }));
  await openNext();
  clock.advance(5000); // nothing heard
  assert.deepEqual(drops, [[1006, ''], [4003, 'token_expired'], [4002, 'seat_gone'], [1006, 'no answer']]);
  assert.equal(states.filter((s) => s === 'closed').length, 0);
});

test('a close told only after the show (WeChat held it while suspended) reconnects at once', () => {
  const { clock, net, client } = setup({ backoffBaseMs: 10_000 });
  client.connect();
  openWithHi(net);
  net.app.hide();
  // (suspended: no timer fires and nothing is told; the fake clock just stands still)
  net.app.show();
  assert.equal(net.last().sent.at(-1), PING_FRAME, 'shown with a socket that looks open: checked');
  net.last().onclose(1000, 'interrupted'); // the held close, delivered after the show
  clock.advance(0);
  assert.equal(net.sockets.length, 2, 'no backoff wait');
  assert.equal(net.last().url, 'wss://arena.test/ws?resume=rps-0.abc');
});
