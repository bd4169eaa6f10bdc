// The web page's ways of playing together, in headless Chromium against the built
// Worker in workerd: two tabs of one browser are two players with two names, and the
// second takes a bot's seat at the round's end (and is told so meanwhile); a pulled face
// fades; the rooms page has column headers and says who is away; a spectator is told
// they are watching; "Play a friend" makes a link that brings a friend from another
// browser into the room (rock-paper-scissors, dig gold, chat); the waiting text after
// "Play again" names who the room waits for; each game's page shows that game's
// leaderboard; a dead or mangled link says so.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Player, leaveAll } from './support/client.mjs';
import { artifact, launchBrowser, openPage } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

const ROUND = 3000;
const VARS = {
  ROUND_MS: ROUND, BOT_WAIT_MS: 1000, STATS_FLUSH_MS: 0, RESUME_GRACE_MS: 20000,
  DIG_BOARD: 4, DIG_GOLD: 2, DIG_TURN_MS: 20000, CHAT_ANNOUNCE_MS: 600000,
};
const CODE = /^[A-HJ-NP-Z2-9]{6}$/;

describe('playing together on the web page', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ vars: VARS });
    browser = await launchBrowser();
  });
  after(async () => {
    await leaveAll();
    await browser?.close();
    await server?.stop();
  });

  /** The names on the seats of a page, in seat order. */
  const seatNames = (page) => page.$$eval('.seat .name', (els) => els.map((e) => e.textContent));
  /** Fails the test if the page threw. */
  const noErrors = (...pages) => { for (const p of pages) assert.deepEqual(p.errors, [], `page errors on ${p.url()}`); };

  let shared; // the room of the two tabs, for the spectator test
  test('two tabs of one browser are two players with two names; the second takes the bot\'s seat when the round ends; faces fade', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 560, height: 800 } });
    const first = await openPage(browser, server, '/', { context });
    await first.waitForSelector('body[data-phase="playing"]'); // against a bot, after BOT_WAIT_MS
    assert.ok((await first.textContent('#seats')).includes('🤖'));
    const second = await openPage(browser, server, '/', { context });
    const [name1, name2] = [await first.inputValue('#my-name'), await second.inputValue('#my-name')];
    assert.match(name1, /^玩家\d{4}$/);
    assert.notEqual(name1, name2, 'each tab its own name');

    // The second tab is welcomed to the bot's seat and watches the round it plays.
    await second.waitForSelector('body[data-claiming="true"]');
    assert.equal(await second.evaluate(() => window.arena.room), await first.evaluate(() => window.arena.room));
    assert.match(await second.textContent('#note'), /take a bot's seat when this round ends/);
    assert.equal(await second.locator('.hand').first().isVisible(), false, 'no hands to play with yet');
    // At the round's end the bot leaves and the second tab sits down.
    await second.waitForSelector('body[data-claiming="false"]', { timeout: ROUND + 10_000 });
    await first.waitForFunction((n) => document.getElementById('seats').textContent.includes(n), name2);
    assert.ok(!(await first.textContent('#seats')).includes('🤖'));
    await second.screenshot({ path: artifact('web', 'two-tabs.png'), fullPage: true });

    // A name changed in the field reaches the other tab.
    await second.fill('#my-name', 'Zweite');
    await second.press('#my-name', 'Enter');
    await first.waitForFunction(() => document.getElementById('seats').textContent.includes('Zweite'));
    assert.equal(await second.evaluate(() => sessionStorage.getItem('arena-name')), 'Zweite');

    // Round 2, person against person: a face shows under the avatar, then fades away.
    await first.click('#again');
    for (const page of [first, second]) await page.waitForSelector('body[data-phase="playing"]');
    await first.click('.face-btn[data-face="angry"]');
    const theirs = second.locator('.seat:not(.me) .face');
    await second.waitForFunction(() => document.querySelector('.seat:not(.me) .face').textContent === '😠');
    assert.equal(await theirs.evaluate((el) => getComputedStyle(el).animationName), 'face-fade');
    await second.waitForFunction(() => document.querySelector('.seat:not(.me) .face').textContent === '', null, { timeout: 10_000 });
    shared = { room: await first.evaluate(() => window.arena.room), names: [name1, 'Zweite'], pages: [first, second] };
    noErrors(first, second);
  });

  test('the rooms page: column headers, people and who is away per room, the away count; a spectator is told they watch', { timeout: 120_000 }, async () => {
    // Someone whose connection dropped: their seat is held, and counted as away.
    const dropper = await Player.connect(server.wsUrl, { name: 'dropper', game: 'dig' });
    const { room: dropRoom } = await dropper.next('hi');
    await dropper.close();

    // A desktop's width: a table with its headers (a phone gets one card per room, each
    // value named; tests/web-phone.test.mjs looks at that).
    const lobby = await openPage(browser, server, '/rooms', { viewport: { width: 900, height: 700 } });
    await lobby.waitForSelector('#room-list thead th', { state: 'visible' });
    const headers = await lobby.$$eval('#room-list thead th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(headers, ['房间 Room', '游戏 Game', '座位 Seats', '玩家 People', '机器人 Bots', '状态 State', '']);
    const row = (room) => lobby.locator(`#rooms tr[data-room="${room}"]`);
    await row(dropRoom).locator('td.players:has-text("暂离")').waitFor({ timeout: 15_000 });
    assert.equal(await row(dropRoom).locator('td.players').textContent(), '1（1 暂离 away）');
    assert.match(await lobby.textContent('#online'), /在线 \d+ 人（[1-9]\d* 人暂离）· \d+ online, [1-9]\d* away/);
    // The two tabs' room: two people, no bot any more.
    await row(shared.room).waitFor();
    assert.equal(await row(shared.room).locator('td.players').textContent(), '2');
    assert.equal(await row(shared.room).locator('td.bots').textContent(), '0');
    await lobby.screenshot({ path: artifact('web', 'rooms.png'), fullPage: true });

    await row(shared.room).locator('a.watch').click();
    await lobby.waitForSelector('#connection[data-state="open"]');
    assert.equal(await lobby.isVisible('#watching-label'), true);
    assert.equal(await lobby.textContent('#watching-label'), '观战中 · watching');
    const [first, second] = shared.pages;
    // The two tabs play another round; the spectator sees it as a spectator.
    const round = Number(await first.textContent('#round-no'));
    for (const page of [first, second]) await page.waitForSelector('body[data-phase="result"]', { timeout: ROUND + 10_000 });
    for (const page of [first, second]) await page.click('#again');
    for (const page of [first, second, lobby]) await page.waitForFunction((n) => document.body.dataset.phase === 'playing' && Number(document.getElementById('round-no').textContent) > n, round);
    assert.equal(await lobby.textContent('#note'), '观战中 · watching');
    await first.click('.hand[data-choice="rock"]');
    await second.click('.hand[data-choice="paper"]');
    await lobby.waitForSelector('body[data-phase="result"]', { timeout: ROUND + 10_000 });
    assert.equal(await lobby.getAttribute('#result', 'data-outcome'), 'watch');
    assert.equal(await lobby.isVisible('#again'), false);
    await lobby.screenshot({ path: artifact('web', 'spectator.png'), fullPage: true });
    noErrors(lobby, first, second);
    await Promise.all([first, second].map((p) => p.evaluate(() => window.arena.leave())));
    await first.context().close();
  });

  test('"Play a friend": the link with a copy button brings a friend from another browser into the room; they play; the waiting text names who the room waits for; the rps leaderboard', { timeout: 120_000 }, async () => {
    const aliceContext = await browser.newContext({ viewport: { width: 560, height: 900 } });
    await aliceContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const alice = await openPage(browser, server, '/?name=Alice', { context: aliceContext });
    const boards = [];
    alice.on('request', (r) => { if (r.url().includes('/api/leaderboard')) boards.push(new URL(r.url()).searchParams.get('game')); });
    await alice.waitForSelector('#connection[data-state="open"]');
    await alice.click('#play-friend');
    await alice.waitForURL(/\?room=/);
    const code = new URL(alice.url()).searchParams.get('room');
    assert.match(code, CODE);
    await alice.waitForSelector('#connection[data-state="open"]');
    assert.equal(await alice.inputValue('#my-name'), 'Alice', 'the tab keeps its name in the room');
    const link = await alice.getAttribute('#invite-link', 'href');
    assert.equal(link, `${server.url}/?room=${code}`);
    assert.equal(await alice.textContent('#invite-link'), link, 'the link is shown as it is');
    await alice.click('#copy-link');
    await alice.waitForSelector('#copied:has-text("Copied")');
    assert.equal(await alice.evaluate(() => navigator.clipboard.readText()), link);
    await alice.waitForFunction(() => /Waiting for your friend/.test(document.getElementById('waiting').textContent));
    assert.equal(await alice.isVisible('#play-friend'), false, 'already in a private room');

    const bob = await openPage(browser, server, new URL(link).pathname + new URL(link).search);
    const bobName = await bob.inputValue('#my-name');
    for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="playing"]');
    assert.equal(await bob.evaluate(() => window.arena.room), await alice.evaluate(() => window.arena.room));
    assert.deepEqual((await seatNames(alice)).map((n) => n.replace('（我 me）', '')).sort(), ['Alice', bobName].sort());
    assert.ok(!(await alice.textContent('#seats')).includes('🤖'), 'no bot in a friend\'s room');
    assert.equal(await bob.textContent('#invite-code'), code, 'the friend can pass the link on');

    await alice.click('.hand[data-choice="paper"]');
    await bob.click('.hand[data-choice="rock"]');
    for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="result"]', { timeout: ROUND + 10_000 });
    assert.equal(await alice.getAttribute('#result', 'data-outcome'), 'win');
    assert.equal(await bob.getAttribute('#result', 'data-outcome'), 'lose');

    // Alice wants more; the page says whom she waits for (not "a bot joins shortly").
    await alice.click('#again');
    await alice.waitForFunction((n) => document.getElementById('waiting').textContent.includes(`Waiting for ${n} to play again`), bobName);
    assert.ok(!(await alice.textContent('#waiting')).includes('bot'));
    await alice.screenshot({ path: artifact('web', 'friend-waiting.png'), fullPage: true });
    await bob.click('#again');
    for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="playing"]');
    assert.equal(await alice.textContent('#round-no'), '2');

    // Alice's win is on the rock-paper-scissors board her page shows.
    await alice.waitForFunction(() => /Alice/.test(document.getElementById('leaderboard-rows').textContent), null, { timeout: 30_000 });
    assert.equal(await alice.getAttribute('#leaderboard', 'data-loaded'), 'rps');
    assert.ok(boards.length > 0 && boards.every((g) => g === 'rps'), `asked for ${boards}`);
    noErrors(alice, bob);
    await Promise.all([alice, bob].map((p) => p.evaluate(() => window.arena.leave())));
  });

  test('dig gold and chat by link; the dig page shows the dig leaderboard', { timeout: 120_000 }, async () => {
    const ann = await openPage(browser, server, '/dig?name=Ann');
    const boards = [];
    ann.on('request', (r) => { if (r.url().includes('/api/leaderboard')) boards.push(new URL(r.url()).searchParams.get('game')); });
    await ann.waitForSelector('#connection[data-state="open"]');
    await ann.click('#play-friend');
    await ann.waitForURL(/\/dig\?room=/);
    const link = await ann.getAttribute('#invite-link', 'href');
    assert.match(link, new RegExp(`^${server.url}/dig\\?room=[A-HJ-NP-Z2-9]{6}$`));
    await ann.waitForFunction(() => /Waiting for your friend/.test(document.getElementById('turn').textContent));
    const ben = await openPage(browser, server, new URL(link).pathname + new URL(link).search);
    for (const page of [ann, ben]) await page.waitForSelector('.cell');
    assert.equal(await ben.evaluate(() => window.arena.room), await ann.evaluate(() => window.arena.room));
    // Whoever's turn it is digs the first undug cell, until the game is over.
    for (let moves = 0; moves < 16; moves++) {
      if (await ann.isVisible('#result')) break;
      const mover = (await ann.getAttribute('#turn', 'data-mine')) === 'true' ? ann : ben;
      // Over, about to be told: the last dig revealed the whole board on the mover's page
      // before game_over reached Ann's.
      if ((await mover.locator('.cell:not(.dug)').count()) === 0) break;
      const dug = await mover.locator('.cell.dug').count();
      await mover.click('.cell:not(.dug)');
      await mover.waitForFunction((n) => document.querySelectorAll('.cell.dug').length > n || !document.getElementById('result').hidden, dug);
    }
    await ann.waitForSelector('#result:not([hidden])');
    await ann.waitForFunction(() => /Ann/.test(document.getElementById('leaderboard-rows').textContent), null, { timeout: 30_000 });
    assert.equal(await ann.getAttribute('#leaderboard', 'data-loaded'), 'dig');
    assert.match(await ann.textContent('#leaderboard h2'), /Dig gold leaderboard/);
    assert.ok(boards.length > 0 && boards.every((g) => g === 'dig'), `asked for ${boards}`);
    await ann.screenshot({ path: artifact('web', 'dig-friend.png'), fullPage: true });

    const cy = await openPage(browser, server, '/chat?name=Cy');
    await cy.waitForSelector('#connection[data-state="open"]');
    await cy.click('#play-friend');
    await cy.waitForURL(/\/chat\?room=/);
    const chatLink = await cy.getAttribute('#invite-link', 'href');
    await cy.waitForSelector('#connection[data-state="open"]');
    const di = await openPage(browser, server, `${new URL(chatLink).pathname}${new URL(chatLink).search}&name=Di`);
    await cy.waitForFunction(() => document.getElementById('online').textContent.includes('2'));
    await di.fill('#text', '朋友你好');
    await di.press('#text', 'Enter');
    await cy.waitForSelector('#log .said >> text=朋友你好');
    assert.equal(await cy.evaluate(() => window.arena.room), await di.evaluate(() => window.arena.room));
    assert.equal(await cy.$('#leaderboard'), null, 'chat keeps no scores');
    noErrors(ann, ben, cy, di);
    await Promise.all([ann, ben, cy, di].map((p) => p.evaluate(() => window.arena.leave())));
  });

  test('a dead link says so and joins no stranger\'s room; a mangled one does not even connect', { timeout: 60_000 }, async () => {
    const lost = await openPage(browser, server, '/?room=ZZZ-ZZZ');
    await lost.waitForSelector('#no-entry');
    assert.match(await lost.textContent('#no-entry'), /wrong or has expired/);
    await lost.waitForSelector('#connection[data-state="closed"]');
    assert.equal(await lost.evaluate(() => window.arena.room), null);
    const mangled = await openPage(browser, server, '/chat?room=oops');
    await mangled.waitForSelector('#no-entry');
    assert.equal(await mangled.getAttribute('#connection', 'data-state'), 'idle');
    assert.equal(await mangled.getAttribute('#invite a', 'href'), '/chat');
    noErrors(lost, mangled);
  });
});
