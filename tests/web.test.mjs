// The web page the Worker serves at /, in real headless Chromium (Debian's, driven by
// playwright-core): two browser contexts are matched and play a round; a screenshot of
// the result is saved; after the server is restarted the pages reconnect by themselves.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { ROOT, startServer } from './support/server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const VARS = {
  ROUND_MS: 2500, BOT_WAIT_MS: 600000, RESUME_GRACE_MS: 30000, DIG_BOARD: 5, DIG_GOLD: 3, CHAT_ANNOUNCE_MS: 600000,
};

const launchChromium = () => chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** The game page in a fresh browser context (its own guest identity), as `name`. */
const openTab = async (browser, server, name) => {
  const context = await browser.newContext({ viewport: { width: 560, height: 720 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => { throw err; });
  await page.goto(`${server.url}/?name=${name}`);
  return page;
};

/** Alice and Bob in two tabs, matched into one room, its first round running. */
const matchedTabs = async (browser, server) => {
  const alice = await openTab(browser, server, 'Alice');
  await alice.waitForSelector('#connection[data-state="open"]');
  const bob = await openTab(browser, server, 'Bob');
  for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="playing"]');
  return [alice, bob];
};

describe('web page in headless Chromium', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ vars: VARS });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('two tabs are matched, play a round, and reconnect after a server restart', { timeout: 120_000 }, async () => {
    const [alice, bob] = await matchedTabs(browser, server);
    assert.equal(await alice.textContent('#round-no'), '1');
    assert.match(await alice.textContent('#seats'), /Alice.*Bob|Bob.*Alice/s);

    await alice.click('.hand[data-choice="paper"]');
    await bob.click('.hand[data-choice="rock"]');
    // Bob sees Alice's avatar spin, never her hand.
    await bob.waitForSelector('.seat:not(.me) .avatar.spin');
    for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="result"]', { timeout: 15_000 });
    assert.equal(await alice.getAttribute('#result', 'data-outcome'), 'win');
    assert.equal(await bob.getAttribute('#result', 'data-outcome'), 'lose');
    assert.match(await alice.textContent('#lines'), /✋.*✊/s);
    mkdirSync(ARTIFACTS, { recursive: true });
    await alice.screenshot({ path: join(ARTIFACTS, 'web-result.png'), fullPage: true });

    // Restart the server under the pages (same port, same storage).
    await server.kill();
    await alice.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 15_000 });
    server = await startServer({ vars: VARS, persistTo: server.dir, port: server.port });
    for (const page of [alice, bob]) {
      await page.waitForSelector('#connection[data-state="open"]', { timeout: 30_000 });
      await page.waitForSelector('body[data-resumed="true"]');
    }
    // And they play on: round 2 starts once both ask for it.
    await alice.click('#again');
    await bob.click('#again');
    for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="playing"]');
    assert.equal(await bob.textContent('#round-no'), '2');
    assert.match(await alice.textContent('#seats'), /1 分/, "Alice's point from round 1 survived the restart");
    await alice.screenshot({ path: join(ARTIFACTS, 'web-after-restart.png'), fullPage: true });
  });

  /** A page in a fresh browser context (its own guest identity) at `path`. */
  const openPage = async (path) => {
    const context = await browser.newContext({ viewport: { width: 560, height: 760 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => { throw err; });
    await page.goto(`${server.url}${path}`);
    return page;
  };

  test('dig gold in two tabs: turns, clicks, the game to its end', { timeout: 120_000 }, async () => {
    const ann = await openPage('/dig.html?name=Ann');
    await ann.waitForSelector('#connection[data-state="open"]');
    const ben = await openPage('/dig.html?name=Ben');
    for (const page of [ann, ben]) await page.waitForSelector('.cell');
    assert.equal(await ann.locator('.cell').count(), 25);
    // Whose turn it is, once both pages have had the `turn` frame that follows a dig:
    // `dug` and `turn` are two frames, so right after a dig a page can still show the
    // turn before it, and a click there is refused as out of turn. The last mover's page
    // stops saying it is its turn, then the page whose turn it is says so (a turn not
    // taken in time is skipped, so that can be either page). null once the game is over.
    const nextMover = async (last) => {
      if (last) {
        await last.waitForFunction(() => !document.getElementById('result').hidden || document.getElementById('turn').dataset.mine !== 'true');
      }
      for (let polls = 0; polls < 300; polls++) {
        if (await ann.isVisible('#result')) return null;
        for (const page of [ann, ben]) {
          if ((await page.getAttribute('#turn', 'data-mine')) === 'true') return page;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('neither page says it is its turn');
    };
    // Whoever's turn it is clicks the first undug cell, until the game is over.
    let mover = null;
    for (let moves = 0; moves < 25; moves++) {
      mover = await nextMover(mover);
      if (!mover) break;
      // Over, about to be told: the last dig revealed the whole board on the mover's page
      // before game_over reached Ann's.
      if ((await mover.locator('.cell:not(.dug)').count()) === 0) break;
      const before = await mover.locator('.cell.dug').count();
      await mover.click('.cell:not(.dug)');
      await mover.waitForFunction((n) => document.querySelectorAll('.cell.dug').length > n || !document.getElementById('result').hidden, before);
    }
    for (const page of [ann, ben]) await page.waitForSelector('#result:not([hidden])');
    const gold = await ann.locator('.cell.gold').count();
    assert.equal(gold, 3, 'all the gold was dug');
    assert.match(await ann.textContent('#outcome'), /赢|Winner|win/);
    await ann.screenshot({ path: join(ARTIFACTS, 'web-dig.png'), fullPage: true });
  });

  test('chat in two tabs, and a third watches a rock-paper-scissors room from /rooms.html', { timeout: 120_000 }, async () => {
    const a = await openPage('/chat.html?name=小红');
    await a.waitForSelector('#connection[data-state="open"]');
    const b = await openPage('/chat.html?name=Bob');
    await a.waitForFunction(() => document.getElementById('online').textContent.includes('2'));
    await b.fill('#text', '你好 hello');
    await b.press('#text', 'Enter');
    for (const page of [a, b]) await page.waitForSelector('#log .said >> text=你好 hello');
    assert.match(await a.textContent('#log'), /Bob 进入了房间/);
    await a.screenshot({ path: join(ARTIFACTS, 'web-chat.png'), fullPage: true });

    const p1 = await openPage('/?name=P1');
    await p1.waitForSelector('#connection[data-state="open"]');
    // P1 waits alone (bots are off). The spectator starts watching P1's room before the
    // round does: opening two pages takes seconds on a loaded machine, and a round of
    // ROUND_MS could end before the hands were played.
    await p1.waitForFunction(() => window.arena.room);
    const room = await p1.evaluate(() => window.arena.room);
    const lobby = await openPage('/rooms.html');
    // The lobby lists every room (the first test's is still there): watch P1's.
    const watchLink = lobby.locator(`a.watch[href$="watch=${room}"]`);
    await watchLink.waitFor();
    await watchLink.click();
    await lobby.waitForSelector('body[data-watching]');
    await lobby.waitForSelector('#connection[data-state="open"]');
    const p2 = await openPage('/?name=P2');
    await p1.waitForSelector('body[data-phase="playing"]');
    await p2.waitForSelector('body[data-phase="playing"]');
    await p1.click('.hand[data-choice="scissors"]');
    await p2.click('.hand[data-choice="paper"]');
    await lobby.waitForSelector('body[data-phase="result"]', { timeout: 15_000 });
    assert.match(await lobby.textContent('#lines'), /✌️|✋/);
    assert.equal(await lobby.locator('.hand').first().isVisible(), false, 'a spectator has no hands to play');
  });
});

describe('web page after a restart that kept only settled rounds (DURABILITY=settled-rounds)', () => {
  // Nothing writes the room between round 1's settlement and the kill (STATS_FLUSH_MS).
  const vars = { ...VARS, DURABILITY: 'settled-rounds', STATS_FLUSH_MS: 60000 };
  let server;
  let browser;
  before(async () => {
    server = await startServer({ vars });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the round on screen is gone after the restart: both pages ask for the next one and play it', { timeout: 120_000 }, async () => {
    const [alice, bob] = await matchedTabs(browser, server);
    await alice.click('.hand[data-choice="paper"]');
    await bob.click('.hand[data-choice="rock"]');
    for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="result"]', { timeout: 15_000 });
    await alice.click('#again');
    await bob.click('#again');
    for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="playing"]');
    assert.equal(await alice.textContent('#round-no'), '2');
    // Every phase the pages show from now on, however briefly.
    for (const page of [alice, bob]) {
      await page.evaluate(() => {
        window.phases = [];
        new MutationObserver(() => window.phases.push(document.body.dataset.phase))
          .observe(document.body, { attributes: true, attributeFilter: ['data-phase'] });
      });
    }

    await server.kill();
    await alice.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 15_000 });
    server = await startServer({ vars, persistTo: server.dir, port: server.port });
    for (const page of [alice, bob]) {
      await page.waitForSelector('#connection[data-state="open"]', { timeout: 30_000 });
      // Round 2 was not kept: each page goes back to waiting, asks again, and round 2
      // starts anew.
      await page.waitForFunction(() => window.phases.includes('waiting') && window.phases.at(-1) === 'playing', null, { timeout: 15_000 });
    }
    assert.equal(await bob.textContent('#round-no'), '2');
    await alice.click('.hand[data-choice="paper"]');
    for (const page of [alice, bob]) await page.waitForSelector('#result[data-round="2"]', { timeout: 15_000 });
    assert.equal(await alice.getAttribute('#result', 'data-outcome'), 'win', 'Bob chose nothing in the new round 2');
    assert.match(await alice.textContent('#seats'), /3 分/, 'on the point from round 1');
  });
});
