// Playing a friend from the example mini-program, against the built Worker in workerd
// with real sockets, on the `wx` stand-in (tests/support/wx.mjs): one player's page
// opens a private room ("和好友玩"), its share card's path carries the code, and a second
// mini-program (another WeChat user: its own storage, its own guest login) started from
// that path lands in the same room, and they play. Dig gold and chat share the same
// way. A card whose code opens nothing says so and joins no stranger's room.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { Player, guestSession, leaveAll } from './support/client.mjs';
import { startServer } from './support/server.mjs';
import { installWx, waitForData } from './support/wx.mjs';

describe('the example mini-program shares a private room', () => {
  let server;
  const runtimes = [];
  /** A mini-program on its own phone, pointed at the test server. */
  const phone = () => {
    const mp = installWx();
    mp.require('config.js').serverUrl = server.wsUrl;
    runtimes.push(mp);
    return mp;
  };
  before(async () => {
    // No bots: a private room without bots asked for gets none anyway, and the public
    // room the first page is matched into must not start a round with one either.
    server = await startServer({ vars: { ROUND_MS: 2000, BOT_WAIT_MS: 600000, DIG_BOARD: 4, DIG_GOLD: 2 } });
  });
  afterEach(async () => {
    while (runtimes.length) runtimes.pop().dispose();
    await leaveAll();
  });
  after(async () => server?.stop());

  test('rock-paper-scissors: "Play a friend", the share card, and the friend\'s onLoad(query) joins; they play a round', async () => {
    const a = phone();
    a.launch();
    const host = a.open('pages/index/index', { name: '小明' });
    assert.deepEqual(a.shareMenu, { withShareTicket: false, menus: ['shareAppMessage'], page: 'pages/index/index' }, 'the page shows 转发');
    await waitForData(host, (d) => d.connection === 'open' && d.mySeat !== null);
    const matched = host.client;
    const before = a.share(host);
    assert.equal(before.path, '/pages/index/index', 'no code to share in a matched room');

    host.playFriend();
    const inRoom = await waitForData(host, (d) => d.code !== '' && d.connection === 'open' && d.mySeat !== null);
    assert.match(inRoom.code, /^[A-HJ-NP-Z2-9]{6}$/);
    assert.notEqual(host.client, matched);
    assert.equal(matched.state, 'closed', 'the matched seat was given up');
    assert.equal(a.sockets[0].closedWith?.code, 1000, 'the server closed the old seat after leave');
    assert.ok(host.client.room.startsWith('rps-'));

    // The invite button (open-type="share") and the menu give the same card.
    const card = a.share(host, { from: 'button' });
    assert.equal(card.path, `/pages/index/index?room=${inRoom.code}`);
    assert.match(card.title, /石头剪刀布/);
    assert.deepEqual(a.share(host, { from: 'menu' }), card);

    // A private room is nobody else's: not listed, and a stranger is matched elsewhere.
    const listing = await (await fetch(`${server.url}/api/rooms`)).json();
    assert.ok(listing.rooms.every((r) => r.room !== host.client.room));

    // The friend taps the card on their phone.
    const b = phone();
    const friend = b.launchShared(card.path);
    await waitForData(friend, (d) => d.phase === 'playing');
    const playing = await waitForData(host, (d) => d.phase === 'playing');
    assert.equal(friend.client.room, host.client.room, 'the card brought the friend to the host\'s room');
    assert.equal(friend.data.code, inRoom.code, 'the friend can share the room on');
    assert.equal(playing.seats.length, 2);
    assert.ok(playing.seats.every((s) => !s.bot), 'two people, no bot');
    assert.ok(playing.seats.some((s) => s.name === '小明'));
    assert.ok(b.sockets[0].ws.url.includes(`join=${inRoom.code}`), 'the friend\'s socket carried the code');

    host.choose({ currentTarget: { dataset: { choice: 'paper' } } });
    friend.choose({ currentTarget: { dataset: { choice: 'rock' } } });
    const [won, lost] = await Promise.all([
      waitForData(host, (d) => d.phase === 'result'),
      waitForData(friend, (d) => d.phase === 'result'),
    ]);
    assert.equal(won.result.outcome, 'win');
    assert.equal(lost.result.outcome, 'lose');
  });

  test('a pulled face shows under the avatar on the other phone, then goes', async () => {
    const opener = await guestSession(server.wsUrl);
    const { code } = await (await fetch(`${server.url}/api/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opener.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ game: 'rps' }),
    })).json();
    const [a, b] = [phone(), phone()];
    const one = a.launchShared(`/pages/index/index?room=${code}`);
    const two = b.launchShared(`/pages/index/index?room=${code}`);
    await Promise.all([one, two].map((p) => waitForData(p, (d) => d.phase === 'playing')));
    one.pullFace({ currentTarget: { dataset: { face: 'laugh' } } });
    const mine = one.data.mySeat;
    await waitForData(two, (d) => d.seats.find((s) => s.seat === mine)?.face === '😆');
    await waitForData(two, (d) => d.seats.find((s) => s.seat === mine)?.face === '', 10_000);
  });

  test('dig gold and chat: the share card\'s path joins the friend into the room', async () => {
    const a = phone();
    a.launch();
    const digHost = a.open('pages/dig/dig', { name: '矿工' });
    await waitForData(digHost, (d) => d.connection === 'open');
    digHost.playFriend();
    await waitForData(digHost, (d) => d.code !== '' && d.mySeat !== null);
    const digCard = a.share(digHost);
    assert.equal(digCard.path, `/pages/dig/dig?room=${digHost.data.code}`);
    const b = phone();
    const digFriend = b.launchShared(digCard.path);
    await waitForData(digFriend, (d) => d.cells.length === 4 && d.turn !== null);
    await waitForData(digHost, (d) => d.cells.length === 4 && d.turn !== null);
    assert.equal(digFriend.client.room, digHost.client.room);
    assert.ok(digFriend.client.room.startsWith('dig-'));

    const c = phone();
    c.launch();
    const chatHost = c.open('pages/chat/chat', { name: '主人' });
    await waitForData(chatHost, (d) => d.connection === 'open');
    chatHost.playFriend();
    await waitForData(chatHost, (d) => d.code !== '' && d.mySeat !== null);
    const chatCard = c.share(chatHost);
    assert.equal(chatCard.path, `/pages/chat/chat?room=${chatHost.data.code}`);
    const d = phone();
    const guest = d.launchShared(chatCard.path);
    await waitForData(guest, (x) => x.connection === 'open' && x.mySeat !== null);
    await waitForData(chatHost, (x) => x.online === 2);
    guest.onInput({ detail: { value: '我来了' } });
    guest.send();
    await waitForData(chatHost, (x) => x.lines.some((l) => l.kind === 'said' && l.text === '我来了'));
    // The public chat room has none of it.
    const stranger = await Player.connect(server.wsUrl, { name: 'stranger', game: 'chat' });
    assert.notEqual((await stranger.next('hi')).room, chatHost.client.room);
  });

  test('a card whose code opens nothing says so; a mangled one does not connect at all', async () => {
    const a = phone();
    const lost = a.launchShared('/pages/index/index?room=ZZZZZZ');
    const told = await waitForData(lost, (d) => d.noEntry !== '');
    assert.match(told.noEntry, /expired/);
    assert.equal(lost.client.state, 'closed');
    // Once the socket is gone, nothing new was opened: no retry, no matched room instead.
    for (let i = 0; i < 100 && a.sockets[0].readyState !== 3; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.sockets[0].readyState, 3);
    assert.equal(a.sockets.length, 1);

    const b = phone();
    const mangled = b.launchShared('/pages/index/index?room=NOT-A-CODE');
    assert.match(mangled.data.noEntry, /expired/);
    assert.equal(b.sockets.length, 0);
  });
});
