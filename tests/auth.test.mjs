// WeChat login end to end: the Worker in workerd exchanges codes at a local stand-in
// for WeChat's jscode2session (a real HTTP server on loopback), issues its own tokens,
// and a socket opened with such a token plays as that WeChat user. Guests are off here,
// as in a production config for mini-programs only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Player, leaveAll } from './support/client.mjs';
import { startServer } from './support/server.mjs';
import { guestClaims, mint, claimsOf } from './support/tokens.mjs';
import { APPID, APP_SECRET, SESSION_KEY_MARK, startWechat } from './support/wechat.mjs';
import { installWx, waitForData } from './support/wx.mjs';

describe('WeChat login through a jscode2session stand-in', () => {
  let wechat;
  let server;
  before(async () => {
    wechat = await startWechat();
    server = await startServer({
      vars: {
        ALLOW_GUESTS: '0',
        WECHAT_APPID: APPID,
        WECHAT_SECRET: APP_SECRET,
        WECHAT_API_BASE: wechat.base,
        TOKEN_TTL_S: '3600',
        BOT_WAIT_MS: '600000',
      },
    });
  });
  after(async () => {
    await leaveAll();
    await server?.stop();
    await wechat?.stop();
  });

  const login = (body) => fetch(`${server.url}/api/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  test('a valid code gives our own token for wx:<openid>, and never the session_key', async () => {
    const res = await login({ code: 'good-alice' });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(SESSION_KEY_MARK), 'session_key leaked');
    assert.ok(!text.includes(APP_SECRET), 'AppSecret leaked');
    const body = JSON.parse(text);
    assert.deepEqual(Object.keys(body).sort(), ['expires_at', 'player', 'token']);
    assert.equal(body.player, 'wx:o-alice');
    const claims = claimsOf(body.token);
    assert.equal(claims.sub, 'wx:o-alice');
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal(body.expires_at, claims.exp * 1000);
    // The stand-in saw exactly what WeChat would: our appid and secret, the code.
    const call = wechat.calls.at(-1);
    assert.deepEqual(
      [call.path, call.appid, call.secret, call.js_code, call.grant_type],
      ['/sns/jscode2session', APPID, APP_SECRET, 'good-alice', 'authorization_code'],
    );

    const p = await Player.connect(server.wsUrl, { name: 'alice', session: body.token });
    assert.equal((await p.next('hi')).resumed, false);
    await p.leave();
  });

  test('an invalid code (40029) is 401 invalid_code', async () => {
    const res = await login({ code: 'bad-code' });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, 'invalid_code');
  });

  test('WeChat rate limiting (45011) is 429 rate_limited with Retry-After', async () => {
    const res = await login({ code: 'busy-bob' });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '60');
    assert.equal((await res.json()).error, 'rate_limited');
  });

  test('a high-risk user (40226) is 403, and a garbled answer is 502', async () => {
    assert.equal((await login({ code: 'risky-eve' })).status, 403);
    const res = await login({ code: 'broken-x' });
    assert.equal(res.status, 502);
    assert.equal((await res.json()).error, 'wechat_unavailable');
  });

  test('bad login bodies are 400 and never reach WeChat', async () => {
    const before = wechat.calls.length;
    for (const body of [{}, { code: '' }, { code: 7 }, { code: 'a b' }, { code: 'x', openid: 'o-admin' }]) {
      const res = await login(body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    assert.equal(wechat.calls.length, before);
  });

  test('guests are off: no guest tokens, and a guest token minted elsewhere is refused', async () => {
    const res = await fetch(`${server.url}/api/guest`, { method: 'POST' });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error, 'guests_disabled');
    const p = await Player.connect(server.wsUrl, { session: mint(guestClaims('sneaky')) });
    assert.equal((await p.next('error')).code, 'unauthorized');
    assert.equal((await p.closed).code, 4003);
  });

  test('the example mini-program logs in with wx.login and plays as that user', async () => {
    const mp = installWx({ loginCode: 'good-mini' });
    const { requests } = mp;
    Object.assign(mp.require('config.js'), { serverUrl: server.wsUrl, login: 'wechat' });
    mp.launch();
    const page = mp.open('pages/index/index', { name: '小程序' });
    try {
      const data = await waitForData(page, (d) => d.connection === 'open' && d.mySeat !== null);
      assert.equal(data.mySeat, 0);
      assert.deepEqual(requests.map((r) => [r.url, r.data]), [[`${server.url}/api/login`, { code: 'good-mini' }]]);
      // The same WeChat user on a second device takes the seat over (one live seat).
      const tokenRes = await login({ code: 'good-mini' });
      const second = await Player.connect(server.wsUrl, { session: (await tokenRes.json()).token });
      const hi = await second.next('hi');
      assert.deepEqual([hi.seat, hi.resumed], [0, true]);
      await waitForData(page, (d) => d.connection === 'closed');
      await second.leave();
    } finally {
      mp.dispose();
    }
  });

  test('WeChat down: 502 wechat_unavailable, and the secret is not in the log', async () => {
    await wechat.stop();
    const res = await login({ code: 'good-carol' });
    assert.equal(res.status, 502);
    assert.equal((await res.json()).error, 'wechat_unavailable');
    assert.ok(!server.log().includes(APP_SECRET), 'the AppSecret reached the log');
  });
});
