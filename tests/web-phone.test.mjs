// The web pages at phone width (375x667, the size of most of the mini-program's users,
// and 390x844), in headless Chromium against the built Worker: in every page's header no
// two boxes overlap (the elements', and the text's own ink boxes, which can spill out
// of an element), no navigation link or badge wraps inside (a word broken across
// lines), the title's Chinese name stays on one line, and nothing is wider than the
// screen. Screenshots of each page at each size go to test-artifacts/phone/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Player, leaveAll } from './support/client.mjs';
import { artifact, launchBrowser, openPage } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

const SIZES = [{ width: 375, height: 667 }, { width: 390, height: 844 }];
const PAGES = [
  { path: '/', name: 'rps', ready: 'body[data-phase="playing"]' },
  // A private room's page: the invite link and its copy button must fit too.
  { path: '/?room=<code>', name: 'rps-private', ready: '#invite-link' },
  { path: '/dig', name: 'dig', ready: '.cell' },
  { path: '/chat', name: 'chat', ready: '#log .presence' },
  { path: '/rooms', name: 'rooms', ready: '#rooms tr' },
];

/**
 * Measures the header in the page: for each element, its box and its text's boxes (a
 * Range over its contents: one rect per line box fragment), and whether that text sits
 * on one line.
 */
function measureHeader() {
  const rect = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  const textRects = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0).map(rect);
  };
  const header = document.querySelector('header');
  const parts = [
    ['title', header.querySelector('h1')],
    ['badge', header.querySelector('#connection')],
    ...[...header.querySelectorAll('nav a')].map((a) => [`nav:${a.textContent.trim()}`, a]),
  ];
  const visible = (el) => getComputedStyle(el).display !== 'none';
  return {
    parts: parts.map(([name, el]) => ({ name, box: rect(el.getBoundingClientRect()), text: textRects(el) })),
    // The title's own name (its first text node, e.g. 石头剪刀布), without the subtitle.
    titleName: textRects(header.querySelector('h1').firstChild),
    // Every text node of the links and the badge that is shown.
    lines: parts.filter(([name, el]) => name !== 'title' && visible(el)).map(([name, el]) => ({ name, text: textRects(el) })),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth,
  };
}

/** The elements that reach past the right edge of the screen, for the failure message. */
function widest() {
  return [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''} (${Math.round(el.getBoundingClientRect().right)})`)
    .slice(0, 8).join(', ');
}

const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5
  && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
/** Rects that all lie on one line (the same vertical band). */
const oneLine = (rects) => rects.length > 0 && rects.every((r) => Math.abs(r.top - rects[0].top) < 2 && Math.abs(r.bottom - rects[0].bottom) < 2);

describe('the web pages at phone width', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ vars: { ROUND_MS: 60000, BOT_WAIT_MS: 300, DIG_BOARD: 8, DIG_GOLD: 10, DIG_TURN_MS: 60000, CHAT_ANNOUNCE_MS: 600000 } });
    browser = await launchBrowser();
  });
  after(async () => {
    await leaveAll();
    await browser?.close();
    await server?.stop();
  });

  test('the checks catch what they are for: overlapping boxes, a wrapped link', () => {
    const a = { left: 0, top: 0, right: 100, bottom: 20 };
    assert.ok(overlap(a, { left: 90, top: 10, right: 120, bottom: 30 }));
    assert.ok(!overlap(a, { left: 100, top: 0, right: 150, bottom: 20 }), 'touching is not overlapping');
    assert.ok(!oneLine([{ top: 0, bottom: 20 }, { top: 22, bottom: 42 }]));
    assert.ok(oneLine([{ top: 0, bottom: 20 }, { top: 0.5, bottom: 20 }]));
  });

  for (const size of SIZES) {
    test(`${size.width}x${size.height}: no header boxes overlap, no word of the navigation breaks, nothing overflows`, { timeout: 120_000 }, async () => {
      // Something in the rooms list (a room with a person away, too) and in the chat.
      const stays = await Player.connect(server.wsUrl, { name: 'Someone', game: 'chat', heartbeatMs: 10_000 });
      const opened = await fetch(`${server.url}/api/rooms`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stays.session}`, 'content-type': 'application/json' },
        body: JSON.stringify({ game: 'rps' }),
      });
      const { code } = await opened.json();
      const context = await browser.newContext({ viewport: size });
      try {
        for (const { path, name, ready } of PAGES) {
          const page = await openPage(browser, server, path.replace('<code>', code), { context });
          await page.waitForSelector(ready, { timeout: 20_000 });
          // First the picture, so a failure below can be looked at.
          await page.screenshot({ path: artifact('phone', `${size.width}x${size.height}-${name}.png`) });
          const m = await page.evaluate(measureHeader);
          const boxes = m.parts.flatMap((p) => [{ name: `${p.name} box`, owner: p.name, r: p.box }, ...p.text.map((r) => ({ name: `${p.name} text`, owner: p.name, r }))]);
          for (let i = 0; i < boxes.length; i++) {
            for (let j = i + 1; j < boxes.length; j++) {
              if (boxes[i].owner === boxes[j].owner) continue;
              assert.ok(!overlap(boxes[i].r, boxes[j].r), `${path} at ${size.width}: ${boxes[i].name} ${JSON.stringify(boxes[i].r)} overlaps ${boxes[j].name} ${JSON.stringify(boxes[j].r)}`);
            }
          }
          for (const line of m.lines) assert.ok(oneLine(line.text), `${path} at ${size.width}: "${line.name}" is broken across lines: ${JSON.stringify(line.text)}`);
          assert.ok(oneLine(m.titleName), `${path} at ${size.width}: the title's name is broken across lines`);
          for (const p of m.parts) assert.ok(p.box.right <= size.width + 0.5, `${path}: ${p.name} sticks out of the screen`);
          assert.ok(m.scrollWidth <= m.innerWidth, `${path} at ${size.width}: the page is ${m.scrollWidth} px wide: ${await page.evaluate(widest)}`);
          assert.deepEqual(page.errors, []);
          await page.close();
        }
      } finally {
        await context.close();
        await stays.leave();
      }
    });
  }
});
