// The mini-program as WeChat really treats it (issue 17), against the built Worker in
// workerd: the `wx` stand-in (support/wx.mjs) runs the example's code in a context
// without browser or Node globals, limits sockets, refuses bad close codes and sends,
// and closes every socket with 1000 "interrupted" 5 s after the app goes to the
// background. The example must come back on show, resume its seat and still play the
// round it left.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import vm from 'node:vm';

import { Player, guestSession, leaveAll } from './support/client.mjs';
import { startServer } from './support/server.mjs';
import { BACKGROUND_CUTOFF_MS, MAX_SOCKETS, installWx, waitForData } from './support/wx.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the next `type` event of an SDK client. */
const nextEvent = (client, type, timeout = 15_000) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeout} ms`)), timeout);
  client.once(type, (v) => { clearTimeout(timer); resolve(v); });
});

/** The example's game page launched on `mp`, pointed at `server`, once it is seated. */
async function seatedGamePage(mp, server) {
  mp.require('config.js').serverUrl = server.wsUrl;
  mp.launch();
  const page = mp.open('pages/index/index', { name: '小程序' });
  await waitForData(page, (d) => d.connection === 'open' && d.mySeat !== null);
  return page;
}

/** Calls a SocketTask method with callbacks; resolves with {ok, errMsg}. */
const call = (task, method, args) => new Promise((resolve) => {
  task[method]({ ...args, success: (r) => resolve({ ok: true, errMsg: r?.errMsg }), fail: (e) => resolve({ ok: false, errMsg: e.errMsg }) });
});

describe('the wx stand-in behaves like WeChat', () => {
  let server;
  let mp;
  before(async () => { server = await startServer(); });
  afterEach(() => mp?.dispose());
  after(async () => server?.stop());

  test('the mini-program code runs without WebSocket, fetch, URL, TextEncoder, window, localStorage', () => {
    mp = installWx();
    const seen = vm.runInContext(
      'JSON.stringify([typeof WebSocket, typeof fetch, typeof URL, typeof TextEncoder, typeof window, typeof localStorage, typeof document, typeof process, typeof require, typeof wx, typeof Page, typeof App, typeof getApp, typeof setTimeout])',
      mp.context,
    );
    assert.deepEqual(JSON.parse(seen), [
      'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined',
      'object', 'function', 'function', 'function', 'function',
    ]);
    // The SDK bundle loads there.
    assert.equal(typeof mp.require('utils/arena.js').ArenaClient, 'function');
  });

  test('sharing: 转发 only for a page with onShareAppMessage, WeChat\'s card defaults, a path must start with /, a tapped card starts there', async () => {
    mp = installWx();
    const page = { route: 'pages/index/index' };
    assert.throws(() => mp.share(page), /no onShareAppMessage/);
    const froms = [];
    page.onShareAppMessage = ({ from }) => { froms.push(from); return { title: 'hi' }; };
    assert.deepEqual(mp.share(page, { from: 'button' }), { title: 'hi', path: '/pages/index/index', imageUrl: undefined }, 'the default path is the page\'s, without a query');
    page.onShareAppMessage = ({ from }) => { froms.push(from); };
    assert.deepEqual(mp.share(page), { title: 'edge-arena-rps', path: '/pages/index/index', imageUrl: undefined }, 'the default title is the mini-program\'s name');
    assert.deepEqual(froms, ['button', 'menu']);
    page.onShareAppMessage = () => ({ path: 'pages/index/index?room=ABCDEF' });
    assert.throws(() => mp.share(page), /must be a full path starting with \//);
    const result = await new Promise((resolve) => mp.wx.showShareMenu({ menus: ['shareAppMessage', 'moments'], fail: resolve }));
    assert.match(result.errMsg, /showShareMenu:fail/);
    assert.equal(mp.shareMenu, null, 'a refused call shows nothing');

    // A friend taps a card: the page of its path opens with its query (no room has
    // this code, so the page says so).
    mp.require('config.js').serverUrl = server.wsUrl;
    const opened = mp.launchShared('/pages/chat/chat?room=ABCDEF&name=%E5%B0%8F');
    assert.equal(opened.route, 'pages/chat/chat');
    assert.equal(opened.name, '%E5%B0%8F', 'query values arrive as they are in the path');
    assert.deepEqual(mp.shareMenu, { withShareTicket: false, menus: ['shareAppMessage'], page: 'pages/chat/chat' });
    await waitForData(opened, (d) => d.noEntry !== '');
  });

  test('at most 5 sockets; close takes 1000 or 3000-4999; send takes a string or an ArrayBuffer', async () => {
    mp = installWx();
    const { token } = await guestSession(server.wsUrl);
    const open = () => {
      const task = mp.wx.connectSocket({ url: server.wsUrl, protocols: ['edge-arena', `bearer.${token}`] });
      return new Promise((resolve, reject) => {
        task.onOpen(() => resolve(task));
        task.onError((e) => reject(new Error(e.errMsg)));
      });
    };
    // Five guests in a chat room (one identity holds one seat, so five identities).
    const tasks = [];
    for (let i = 0; i < MAX_SOCKETS; i++) {
      const { token: t } = await guestSession(server.wsUrl);
      const task = mp.wx.connectSocket({ url: `${server.wsUrl}?game=chat&name=s${i}`, protocols: ['edge-arena', `bearer.${t}`] });
      await new Promise((resolve, reject) => { task.onOpen(resolve); task.onError((e) => reject(new Error(e.errMsg))); });
      tasks.push(task);
    }
    let failed = null;
    const sixth = mp.wx.connectSocket({ url: server.wsUrl, protocols: ['edge-arena', `bearer.${token}`], fail: (e) => { failed = e.errMsg; } });
    const sixthError = await new Promise((resolve) => sixth.onError((e) => resolve(e.errMsg)));
    assert.match(failed, /connectSocket:fail/);
    assert.equal(sixthError, failed);
    assert.equal(mp.refused.length, 1);

    const task = tasks[0];
    const refusedClose = await call(task, 'close', { code: 1001, reason: 'going away' });
    assert.equal(refusedClose.ok, false, '1001 is not a code an app may close with');
    assert.equal(task.readyState, 1, 'and the socket stays open');
    assert.equal((await call(task, 'send', { data: new Uint8Array([1, 2]) })).ok, false, 'a typed array is refused');
    assert.equal((await call(task, 'send', { data: '{"type":"ping"}' })).ok, true);
    assert.equal((await call(task, 'send', { data: new ArrayBuffer(2) })).ok, true);
    assert.equal((await call(task, 'close', { code: 4000, reason: 'bye' })).ok, true);
    // A slot is free again.
    const again = await open();
    assert.equal(again.readyState, 1);
    for (const t of [...tasks.slice(1), again]) t.close({ code: 1000 });
  });
});

describe('login failures end', () => {
  let server;
  let mp;
  // No WECHAT_APPID / WECHAT_SECRET: POST /api/login answers 503 not_configured.
  before(async () => { server = await startServer(); });
  after(async () => {
    mp?.dispose();
    await server?.stop();
  });

  test('the example set to WeChat login on a server without WeChat configured stops after 3 refusals', async () => {
    mp = installWx({ loginCode: 'good-x' });
    Object.assign(mp.require('config.js'), { serverUrl: server.wsUrl, login: 'wechat' });
    mp.launch();
    const page = mp.open('pages/index/index', { name: '小程序' });
    const errors = [];
    page.client.on('auth_error', (e) => errors.push([e.code, e.final]));
    const closed = nextEvent(page.client, 'close', 20_000);
    const { code, reason } = await closed;
    assert.deepEqual([code, reason], [4003, 'not_configured']);
    assert.deepEqual(errors, [['not_configured', false], ['not_configured', false], ['not_configured', true]]);
    assert.equal(mp.requests.filter((r) => r.url.endsWith('/api/login')).length, 3, 'three logins, then no more');
    assert.equal(mp.sockets.length, 0, 'no socket without a token');
    await waitForData(page, (d) => d.connection === 'closed');
  });
});

describe('a backgrounded mini-program', () => {
  let server;
  let mp;
  before(async () => {
    // A round long enough to hide in (6 s) and come back; the seat is held longer.
    server = await startServer({ vars: { ROUND_MS: 12000, RESUME_GRACE_MS: 30000, BOT_WAIT_MS: 600000 } });
  });
  afterEach(async () => {
    mp?.dispose();
    mp = null;
    await leaveAll();
  });
  after(async () => server?.stop());

  test('hidden 6 s mid-round: back on show, it resumes its seat and its choice counts in that round', { timeout: 60_000 }, async () => {
    mp = installWx();
    const page = await seatedGamePage(mp, server);
    const his = [];
    page.client.on('hi', (f) => his.push(f));
    const rival = await Player.connect(server.wsUrl, { name: 'rival', heartbeatMs: 2000 });
    await rival.next('start');
    const playing = await waitForData(page, (d) => d.phase === 'playing' && d.round === 1);
    const seat = playing.mySeat;
    rival.send({ type: 'choice', choice: 'scissors' });

    // Home button: 5 s later WeChat closes the socket and suspends the page's JS.
    const first = mp.sockets[0];
    let updates = 0; // the page's round countdown calls setData every 250 ms while it runs
    const setData = page.setData;
    page.setData = (patch, cb) => { updates += 1; setData(patch, cb); };
    mp.hide();
    await sleep(BACKGROUND_CUTOFF_MS + 200);
    assert.ok(mp.suspended);
    const frozen = updates;
    await sleep(800);
    assert.equal(updates, frozen, 'no page code runs while suspended');
    assert.deepEqual(first.closedWith, { code: 1000, reason: 'interrupted' });
    assert.equal(mp.sockets.length, 1, 'no socket opened while hidden');
    assert.equal(mp.refused.length, 0, 'no connection attempted while hidden');
    const away = rival.frames.some((f) => f.type === 'room' && f.seats.some((s) => s.seat === seat && s.away));
    assert.ok(away, 'the rival saw the seat go away');

    // Back: the page is told of the close only now; the SDK reconnects at once (no page
    // code) and resumes the seat.
    mp.show();
    await waitForData(page, (d) => d.connection === 'reconnecting', 2000);
    await waitForData(page, (d) => d.connection === 'open', 5000);
    assert.equal(mp.sockets.length, 2);
    assert.match(mp.sockets[1].ws.url, /[?&]resume=/);
    await waitForData(page, () => his.length === 1);
    assert.deepEqual([his[0].resumed, his[0].seat], [true, seat]);
    const back = await waitForData(page, (d) => d.phase === 'playing' && d.round === 1);
    assert.equal(back.mySeat, seat);

    page.choose({ currentTarget: { dataset: { choice: 'rock' } } });
    const done = await waitForData(page, (d) => d.phase === 'result', 15_000);
    assert.equal(done.result.round, 1, 'the round it left');
    const mine = done.result.lines.find((l) => l.mine);
    assert.deepEqual([mine.seat, mine.choice], [seat, 'rock']);
    assert.equal(done.result.outcome, 'win', 'rock beats scissors');
    const seen = await rival.next('result');
    assert.equal(seen.round, 1);
    assert.equal(seen.seats.find((s) => s.seat === seat).choice, 'rock', 'the server counted the choice');
    page.client.leave();
    await rival.leave();
  });

  test('a socket WeChat closes with 1000 "interrupted" reconnects and resumes; after leave() nothing reconnects', async () => {
    mp = installWx();
    // The SDK bundle as the mini-program has it, in the mini-program's context.
    const { ArenaClient, wxTransport, sessionAuth, guestSession: guest, wxPost, apiBaseOf } = mp.require('utils/arena.js');
    const client = new ArenaClient({
      url: server.wsUrl, name: 'sdk', transport: wxTransport(mp.wx), auth: sessionAuth(guest(apiBaseOf(server.wsUrl), wxPost(mp.wx))),
    });
    const drops = [];
    client.on('drop', (d) => drops.push({ ...d })); // a copy in this realm
    const hi = nextEvent(client, 'hi');
    client.connect();
    const first = await hi;
    assert.equal(first.resumed, false);

    const resumed = nextEvent(client, 'hi');
    mp.sockets[0].interrupt();
    const again = await resumed;
    assert.deepEqual(drops, [{ code: 1000, reason: 'interrupted' }]);
    assert.deepEqual([again.resumed, again.seat, again.room], [true, first.seat, first.room]);
    assert.equal(mp.sockets.length, 2);

    const closed = nextEvent(client, 'close');
    client.leave();
    assert.equal((await closed).code, 1000);
    await sleep(1500); // longer than the first backoff (250-500 ms)
    assert.equal(mp.sockets.length, 2, 'no reconnect after leave()');
    assert.equal(client.state, 'closed');
    assert.deepEqual(mp.lifecycleListeners(), { hide: 0, show: 0 }, 'a closed client stops listening to the app');
  });
});

describe('the example after a restart that kept only settled rounds (DURABILITY=settled-rounds)', () => {
  const vars = {
    DURABILITY: 'settled-rounds', ROUND_MS: 2000, BOT_WAIT_MS: 600000, RESUME_GRACE_MS: 30000,
    // Nothing writes the room between round 1's settlement and the kill.
    STATS_FLUSH_MS: 60000,
  };
  let server;
  let mp;
  before(async () => { server = await startServer({ vars }); });
  afterEach(async () => { mp?.dispose(); await leaveAll(); });
  after(async () => server?.stop());

  test('the round on screen is gone after the restart: the page asks for the next one and plays it', { timeout: 60_000 }, async () => {
    mp = installWx();
    const page = await seatedGamePage(mp, server);
    const rival = await Player.connect(server.wsUrl, { name: 'rival', heartbeatMs: 2000 });
    const hiRival = await rival.next('hi');
    assert.equal((await rival.next('start')).round, 1);
    await waitForData(page, (d) => d.phase === 'playing' && d.round === 1);
    page.choose({ currentTarget: { dataset: { choice: 'paper' } } });
    rival.send({ type: 'choice', choice: 'rock' });
    await waitForData(page, (d) => d.phase === 'result' && d.result.round === 1, 15_000);
    assert.equal((await rival.next('result')).round, 1);

    // Round 2 starts, in memory only; then the server dies.
    page.playAgain();
    rival.send({ type: 'join' });
    assert.equal((await rival.next('start')).round, 2);
    await waitForData(page, (d) => d.phase === 'playing' && d.round === 2);
    const phases = [];
    const setData = page.setData;
    page.setData = (patch, cb) => { if ('phase' in patch) phases.push(patch.phase); setData(patch, cb); };
    await server.kill();
    await rival.closed;
    server = await startServer({ vars, persistTo: server.dir, port: server.port });

    // The SDK resumes on its own; the room says no round runs, so the page joins again.
    const back = await Player.connect(server.wsUrl, { resume: hiRival.resume, session: rival.session });
    assert.equal((await back.next('hi')).resumed, true);
    const state = await back.next('state');
    assert.deepEqual([state.phase, state.round], ['waiting', 1], 'round 2 was not kept');
    await waitForData(page, () => phases.includes('waiting'), 20_000);
    back.send({ type: 'join' });
    assert.equal((await back.next('start')).round, 2, 'the page\'s join and the rival\'s start round 2 again');
    await waitForData(page, (d) => d.phase === 'playing' && d.round === 2 && phases.at(-1) === 'playing');
    page.choose({ currentTarget: { dataset: { choice: 'paper' } } });
    const done = await waitForData(page, (d) => d.phase === 'result' && d.result.round === 2, 15_000);
    const mine = done.result.lines.find((l) => l.mine);
    assert.deepEqual([mine.choice, mine.total, mine.streak], ['paper', 3, 2], 'on round 1\'s score');
    page.client.leave();
    await back.leave();
  });
});
