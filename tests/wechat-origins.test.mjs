// Real WeChat clients send Origin headers (issue 21): the example mini-program, through
// a `wx` stand-in that adds each realistic header set to its handshakes and requests,
// logs in (POST /api/login via the jscode2session stand-in, and POST /api/guest) and
// plays a round against the built Worker in workerd. Foreign pages stay refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Player, leaveAll } from './support/client.mjs';
import { rawConnect } from './support/raw.mjs';
import { startServer } from './support/server.mjs';
import { APPID, APP_SECRET, startWechat } from './support/wechat.mjs';
import { FOREIGN_ORIGINS, WECHAT_HEADER_SETS } from './support/wechat-headers.mjs';
import { installWx, waitForData } from './support/wx.mjs';

/** wx.request as a promise: `{statusCode, data}`. */
const wxRequest = (wx, opts) => new Promise((resolve, reject) => {
  wx.request({ ...opts, success: resolve, fail: (e) => reject(new Error(e.errMsg)) });
});

describe('WeChat clients with the headers real devices send', () => {
  let wechat;
  let server;
  before(async () => {
    wechat = await startWechat();
    server = await startServer({
      vars: {
        WECHAT_APPID: APPID,
        WECHAT_SECRET: APP_SECRET,
        WECHAT_API_BASE: wechat.base,
        ROUND_MS: 1500,
        BOT_WAIT_MS: 600000,
      },
    });
  });
  after(async () => {
    await leaveAll();
    await server?.stop();
    await wechat?.stop();
  });

  for (const [name, headersFor] of Object.entries(WECHAT_HEADER_SETS)) {
    test(`${name}: logs in (wechat and guest) and plays a round`, async () => {
      const headers = headersFor(server.url);
      const mp = installWx({ loginCode: `good-${name}`, headers });
      const { requests, sockets } = mp;
      const guest = await wxRequest(mp.wx, { url: `${server.url}/api/guest`, method: 'POST', data: {} });
      assert.equal(guest.statusCode, 200, JSON.stringify(guest.data));
      assert.ok(guest.data.token);

      Object.assign(mp.require('config.js'), { serverUrl: server.wsUrl, login: 'wechat' });
      mp.launch();
      const page = mp.open('pages/index/index', { name: `小程序-${name}` });
      try {
        await waitForData(page, (d) => d.connection === 'open' && d.mySeat !== null);
        const login = requests.find((r) => r.url.endsWith('/api/login'));
        assert.deepEqual(login.data, { code: `good-${name}` }, 'logged in with wx.login');
        assert.equal(sockets.length, 1);

        const rival = await Player.connect(server.wsUrl, { name: 'rival' });
        await rival.next('start');
        await waitForData(page, (d) => d.phase === 'playing');
        rival.send({ type: 'choice', choice: 'scissors' });
        page.choose({ currentTarget: { dataset: { choice: 'rock' } } });
        const done = await waitForData(page, (d) => d.phase === 'result');
        assert.equal(done.result.outcome, 'win', 'rock beats scissors');
        await rival.leave();
      } finally {
        // Give the seat up (a plain close would hold it for a resume), so the next
        // header set starts in an empty room.
        page.client.leave();
        mp.dispose();
      }
    });
  }

  test('the stand-in really sends its headers: a foreign Origin through wx is refused', async () => {
    const evil = { Origin: 'https://evil.example' };
    const { sockets, wx } = installWx({ headers: { socket: evil, request: evil } });
    const res = await wxRequest(wx, { url: `${server.url}/api/guest`, method: 'POST', data: {} });
    assert.equal(res.statusCode, 403);
    assert.equal(res.data.error, 'origin_not_allowed');
    const task = wx.connectSocket({ url: server.wsUrl, protocols: ['edge-arena', 'bearer.x'] });
    let opened = false;
    task.onOpen(() => { opened = true; });
    await new Promise((resolve) => task.onError(resolve));
    assert.equal(opened, false, 'the handshake was refused');
    assert.equal(sockets.length, 1);
  });

  for (const origin of FOREIGN_ORIGINS) {
    test(`a foreign page's Origin ${JSON.stringify(origin)} is refused with 403 origin_not_allowed`, async () => {
      const { token } = await (await fetch(`${server.url}/api/guest`, { method: 'POST' })).json();
      const conn = await rawConnect(server.port, { headers: { Origin: origin, 'Sec-WebSocket-Protocol': `edge-arena, bearer.${token}` } });
      assert.equal(conn.status, 403, 'no socket');
      await conn.until((c) => c.body.includes('origin_not_allowed'));
      conn.destroy();
      for (const path of ['/api/guest', '/api/login']) {
        const res = await fetch(`${server.url}${path}`, {
          method: 'POST', headers: { Origin: origin, 'content-type': 'application/json' }, body: '{"code":"good-x"}',
        });
        assert.equal(res.status, 403, path);
        assert.equal((await res.json()).error, 'origin_not_allowed', path);
      }
      // The operator sees which value was refused, and why.
      const logged = `origin_not_allowed: ${JSON.stringify(origin)}`;
      const deadline = Date.now() + 5000;
      while (!server.log().includes(logged) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(server.log().includes(logged), `log has ${logged}`);
    });
  }

  test('the web page keeps its CORS answer; a WeChat client gets none', async () => {
    const own = await fetch(`${server.url}/api/guest`, { method: 'POST', headers: { Origin: server.url } });
    assert.equal(own.status, 200);
    assert.equal(own.headers.get('access-control-allow-origin'), server.url);
    const ios = await fetch(`${server.url}/api/guest`, { method: 'POST', headers: { Origin: 'weapp://wechat-game-runtime' } });
    assert.equal(ios.status, 200);
    assert.equal(ios.headers.get('access-control-allow-origin'), null);
  });
});

describe('ALLOW_WECHAT_ORIGINS=0', () => {
  let server;
  before(async () => { server = await startServer({ vars: { ALLOW_WECHAT_ORIGINS: '0' } }); });
  after(async () => server?.stop());

  test('refuses the WeChat-only origins, still takes no Origin and its own', async () => {
    for (const origin of ['weapp://wechat-game-runtime', 'https://servicewechat.com', `${server.url},undefined`]) {
      const res = await fetch(`${server.url}/api/guest`, { method: 'POST', headers: { Origin: origin } });
      assert.equal(res.status, 403, origin);
    }
    assert.equal((await fetch(`${server.url}/api/guest`, { method: 'POST' })).status, 200);
    assert.equal((await fetch(`${server.url}/api/guest`, { method: 'POST', headers: { Origin: server.url } })).status, 200);
  });
});
