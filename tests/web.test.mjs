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
const VARS = { ROUND_MS: 2500, BOT_WAIT_MS: 600000, RESUME_GRACE_MS: 30000 };

describe('web page in headless Chromium', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ vars: VARS });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('two tabs are matched, play a round, and reconnect after a server restart', { timeout: 120_000 }, async () => {
    const open = async (name) => {
      const context = await browser.newContext({ viewport: { width: 560, height: 720 } });
      const page = await context.newPage();
      page.on('pageerror', (err) => { throw err; });
      await page.goto(`${server.url}/?name=${name}`);
      return page;
    };
    const alice = await open('Alice');
    await alice.waitForSelector('#connection[data-state="open"]');
    const bob = await open('Bob');
    for (const page of [alice, bob]) await page.waitForSelector('body[data-phase="playing"]');
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
});
