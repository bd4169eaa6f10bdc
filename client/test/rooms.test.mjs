// Private rooms in the SDK: the `join` option (what the socket URL carries, through
// drops, resumes and a lost seat; what is final) and openPrivateRoom (the request it
// makes, with fetch and with wx.request, and what it does with the answers). A fake
// transport and fake HTTP: no server here (tests/invite.test.mjs has the real one).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ArenaClient } from '../src/arena.js';
import { ApiError, LoginError, fetchPost, wxPost } from '../src/login.js';
import { CODE_ALPHABET, CODE_LENGTH, normalizeCode, openPrivateRoom } from '../src/rooms.js';
import { fakeClock, fakeTransport } from './fakes.mjs';

const setup = (options) => {
  const net = fakeTransport();
  const clock = fakeClock();
  const client = new ArenaClient({ url: 'wss://arena.test/ws', transport: net.transport, clock, random: () => 0.5, ...options });
  return { net, clock, client };
};

const hi = (resume) => JSON.stringify({ type: 'hi', room: 'rps-p-1', seat: 1, size: 2, online: 2, round_ms: 5000, resume, resumed: false });

test('the code alphabet and length are the server\'s (src/ids.rs)', () => {
  const ids = readFileSync(new URL('../../src/ids.rs', import.meta.url), 'utf8');
  assert.equal(ids.match(/CODE_ALPHABET: &\[u8; 32\] = b"([^"]+)"/)[1], CODE_ALPHABET);
  assert.equal(Number(ids.match(/CODE_LEN: usize = (\d+)/)[1]), CODE_LENGTH);
});

test('normalizeCode: case, spaces and dashes do not matter; anything else is no code', () => {
  assert.equal(normalizeCode('abc-def'), 'ABCDEF');
  assert.equal(normalizeCode(' k7m 2pq '), 'K7M2PQ');
  for (const bad of ['ABCDE', 'ABCDEFG', 'ABCDE0', 'ABCDEI', 'ABCDEO', 'ABCDE1', 'ABC?EF', '', null, 123456]) {
    assert.equal(normalizeCode(bad), null, String(bad));
  }
});

test('join: the socket URL carries the code and the profile, not the game', () => {
  const { net, client } = setup({ join: 'k7m-2pq', name: '小明', game: 'dig' });
  assert.equal(client.join, 'K7M2PQ');
  client.connect();
  assert.equal(net.last().url, 'wss://arena.test/ws?join=K7M2PQ&name=%E5%B0%8F%E6%98%8E');
});

test('join: a drop resumes with the token; a lost seat goes back in by the code', () => {
  const { net, clock, client } = setup({ join: 'K7M2PQ', token: 'session-1' });
  client.connect();
  assert.deepEqual(net.last().protocols, ['edge-arena', 'bearer.session-1']);
  net.last().onopen();
  net.last().onmessage(hi('rps-p-1.secret'));
  net.last().onclose(1006, '');
  clock.advance(1000);
  assert.equal(net.last().url, 'wss://arena.test/ws?resume=rps-p-1.secret', 'a resume uses the token, as usual');
  assert.deepEqual(net.last().protocols, ['edge-arena', 'bearer.session-1']);
  net.last().onopen();
  net.last().onmessage(JSON.stringify({ type: 'error', code: 'seat_gone', message: 'late' }));
  clock.advance(0);
  assert.equal(net.last().url, 'wss://arena.test/ws?join=K7M2PQ', 'back to the friend\'s room, not to a stranger\'s');
});

test('join with watch: true watches the private room', () => {
  const { net, client } = setup({ join: 'K7M2PQ', watch: true });
  client.connect();
  assert.equal(net.last().url, 'wss://arena.test/ws?join=K7M2PQ&watch=1');
});

test('join is validated: a mangled code, watch: true alone, or two rooms at once throw', () => {
  const base = { url: 'wss://x/ws', transport: () => ({}) };
  assert.throws(() => new ArenaClient({ ...base, join: 'ABC' }), /option "join" has a bad value: ABC/);
  assert.throws(() => new ArenaClient({ ...base, join: 'ABCDE0' }), /option "join"/);
  assert.throws(() => new ArenaClient({ ...base, join: 42 }), /option "join"/);
  assert.throws(() => new ArenaClient({ ...base, watch: true }), /no "join" code to watch/);
  assert.throws(() => new ArenaClient({ ...base, join: 'ABCDEF', watch: 'rps-0-1' }), /two rooms/);
  assert.throws(() => new ArenaClient({ ...base, Join: 'ABCDEF' }), /did you mean "join"/);
});

for (const code of ['unknown_code', 'room_full']) {
  test(`${code} then close 4004 is final: no retry, a close event with 4004`, () => {
    const { net, clock, client } = setup({ join: 'ZZZZZZ' });
    const closes = [];
    const errors = [];
    client.on('close', (c) => closes.push(c));
    client.on('error', (f) => errors.push(f.code));
    client.connect();
    net.last().onopen();
    net.last().onmessage(JSON.stringify({ type: 'error', code, message: 'no' }));
    net.last().onclose?.(4004, '');
    clock.advance(120_000);
    assert.equal(net.sockets.length, 1);
    assert.equal(client.state, 'closed');
    assert.deepEqual(errors, [code]);
    assert.deepEqual(closes, [{ code: 4004, reason: code }]);
  });
}

test('close 4004 alone (rate_limited, say) is final too', () => {
  const { net, clock, client } = setup({ join: 'ABCDEF' });
  client.connect();
  net.last().onopen();
  net.last().onmessage(JSON.stringify({ type: 'error', code: 'rate_limited', message: 'too many wrong codes' }));
  assert.equal(client.state, 'open', 'rate_limited alone is not final (flooding says it too)');
  net.last().onclose(4004, '');
  clock.advance(120_000);
  assert.equal(client.state, 'closed');
  assert.equal(net.sockets.length, 1);
});

/** A Post that records its calls and answers from a list. */
function fakePost(answers) {
  const calls = [];
  const post = async (url, body, headers) => {
    calls.push({ url, body, headers });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return next;
  };
  return { post, calls };
}

test('openPrivateRoom posts {game, bots} with the bearer token and answers {room, code, expires_at}', async () => {
  const { post, calls } = fakePost([{ status: 200, data: { room: 'dig-p-7', code: 'K7M2PQ', expires_at: 99 } }]);
  const room = await openPrivateRoom('https://arena.test/', 'tok', { game: 'dig', post });
  assert.deepEqual(room, { room: 'dig-p-7', code: 'K7M2PQ', expires_at: 99 });
  assert.deepEqual(calls, [{ url: 'https://arena.test/api/rooms', body: { game: 'dig', bots: false }, headers: { authorization: 'Bearer tok' } }]);
});

test('openPrivateRoom with an auth callback: a refused token is replaced once, then it gives up', async () => {
  const asked = [];
  let n = 0;
  const auth = async ({ refresh }) => { asked.push(refresh); n += 1; return `tok-${n}`; };
  const ok = fakePost([
    { status: 401, data: { error: 'unauthorized', message: 'expired' } },
    { status: 200, data: { room: 'rps-p-1', code: 'ABCDEF', expires_at: 1 } },
  ]);
  assert.equal((await openPrivateRoom('https://a', auth, { post: ok.post, bots: true })).code, 'ABCDEF');
  assert.deepEqual(asked, [false, true]);
  assert.deepEqual(ok.calls.map((c) => [c.headers.authorization, c.body.bots]), [['Bearer tok-1', true], ['Bearer tok-2', true]]);

  const refused = fakePost([
    { status: 401, data: { error: 'unauthorized' } },
    { status: 401, data: { error: 'unauthorized', message: 'still no' } },
  ]);
  const err = await openPrivateRoom('https://a', auth, { post: refused.post }).catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.deepEqual([err.status, err.error, err.message], [401, 'unauthorized', 'still no']);
  assert.equal(refused.calls.length, 2);
});

test('openPrivateRoom: a token string is not retried; errors keep the server\'s code; bad input throws', async () => {
  const one = fakePost([{ status: 401, data: { error: 'unauthorized' } }]);
  await assert.rejects(openPrivateRoom('https://a', 'tok', { post: one.post }), (e) => e instanceof ApiError && e.status === 401);
  assert.equal(one.calls.length, 1);
  const busy = fakePost([{ status: 503, data: { error: 'unavailable', message: 'try again' } }]);
  await assert.rejects(openPrivateRoom('https://a', 'tok', { post: busy.post }), { name: 'ApiError', status: 503, error: 'unavailable' });
  const html = fakePost([{ status: 200, data: '<html>' }]);
  await assert.rejects(openPrivateRoom('https://a', 'tok', { post: html.post }), { status: 200, error: 'http_200' });
  const down = fakePost([new LoginError(0, 'network', 'request:fail')]);
  await assert.rejects(openPrivateRoom('https://a', 'tok', { post: down.post }), (e) => e instanceof ApiError && e.status === 0);
  await assert.rejects(openPrivateRoom('https://a', 'tok', { game: 'chess' }), TypeError);
  await assert.rejects(openPrivateRoom('https://a', 'tok', { bots: 'yes' }), TypeError);
  await assert.rejects(openPrivateRoom('https://a', null), TypeError);
});

test('the request plumbing sends the headers: fetchPost and wxPost', async () => {
  const seen = [];
  const fetchImpl = async (url, init) => { seen.push(init.headers); return { status: 200, json: async () => ({ room: 'r', code: 'ABCDEF', expires_at: 1 }) }; };
  await openPrivateRoom('https://a', 'tok', { post: fetchPost(fetchImpl) });
  assert.deepEqual(seen, [{ authorization: 'Bearer tok', 'content-type': 'application/json' }]);

  const requests = [];
  const wx = { request: (opts) => { requests.push(opts); opts.success({ statusCode: 200, data: { room: 'r', code: 'ABCDEF', expires_at: 1 } }); } };
  await openPrivateRoom('https://a', 'tok', { game: 'chat', post: wxPost(wx) });
  assert.deepEqual(requests.map((r) => [r.url, r.method, r.data, r.header]), [
    ['https://a/api/rooms', 'POST', { game: 'chat', bots: false }, { authorization: 'Bearer tok', 'content-type': 'application/json' }],
  ]);
});
