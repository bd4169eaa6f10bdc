// Debian's headless Chromium driven by playwright-core, as tests/web.test.mjs does it,
// for the web page's tests; screenshots go to test-artifacts/ (not committed).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { ROOT } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** A headless Chromium; close it in `after`. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The path of screenshot `name` under test-artifacts/`dir`/ (made if missing). */
export function artifact(dir, name) {
  const at = join(ARTIFACTS, dir);
  mkdirSync(at, { recursive: true });
  return join(at, name);
}

/**
 * A page of `server` at `path` in a new browser context (its own storage: its own guest
 * identity), `viewport` as given. A page error fails the test.
 */
export async function openPage(browser, server, path, { viewport = { width: 560, height: 760 }, context } = {}) {
  const ctx = context ?? await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err));
  page.errors = errors;
  await page.goto(`${server.url}${path}`);
  return page;
}
