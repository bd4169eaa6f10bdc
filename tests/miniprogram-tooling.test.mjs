// The example mini-program checked by Tencent's own tooling from npm, all offline:
// - its JavaScript type-checks (`tsc --checkJs --noEmit`, strict) against WeChat's API
//   typings (miniprogram-api-typings) and the SDK's typings;
// - every page's WXML and WXSS compiles with WeChat's own template and style compilers
//   (wcc and wcsc, shipped in the npm package miniprogram-compiler);
// - the game page renders sample data through miniprogram-simulate (Tencent's test
//   tool: the wcc-compiled template rendered by its component framework into jsdom),
//   and the rendered text is what a player would read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import vm from 'node:vm';

import { waitingText } from '../client/src/index.js';
import { ROOT } from './support/server.mjs';

const require = createRequire(import.meta.url);
const MP = join(ROOT, 'examples', 'miniprogram');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PAGES = JSON.parse(readFileSync(join(MP, 'app.json'), 'utf8')).pages;

function tsc(args) {
  const run = spawnSync(process.execPath, [TSC, ...args], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the example mini-program type-checks against miniprogram-api-typings', () => {
  test('tsc --checkJs --noEmit (strict) passes on app.js, config.js, pages and utils', () => {
    const { status, output } = tsc(['-p', MP]);
    assert.equal(status, 0, output);
  });

  test('the typings are in force: misuse of wx, of setData and of the SDK does not compile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-typecheck-'));
    try {
      const bad = `
        wx.conectSocket({ url: 'wss://a' });
        Page({
          data: { round: 0 },
          onLoad() {
            const next = this.data.rounds + 1;
            this.setData({ round: next });
          },
        });
        /** @param {import(${JSON.stringify(join(MP, 'utils', 'arena.js'))}).ArenaClient} client */
        function listen(client) {
          client.on('result', (f) => f.nope);
        }
        listen;
      `;
      writeFileSync(join(dir, 'bad.js'), bad);
      const config = JSON.parse(readFileSync(join(MP, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
      config.compilerOptions.typeRoots = [join(ROOT, 'node_modules')];
      config.include = ['bad.js'];
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
      const { status, output } = tsc(['-p', dir]);
      assert.notEqual(status, 0);
      assert.match(output, /conectSocket/, 'wx is typed');
      assert.match(output, /rounds/, 'page data is typed');
      assert.match(output, /nope/, 'SDK events are typed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every page's WXML and WXSS compiles with WeChat's compilers (wcc, wcsc)", () => {
  const { wxmlToJs } = require('miniprogram-compiler');
  // wcsc as miniprogram-compiler runs it (its own wrapper drops wcsc's warnings and
  // reads the output loosely, so the test calls the shipped binary the same way).
  const WCSC = join(dirname(require.resolve('miniprogram-compiler/package.json')), 'bin',
    process.platform === 'darwin' ? 'mac/wcsc' : process.platform === 'win32' ? 'windows/wcsc.exe' : 'linux/wcsc');
  const wcsc = (cwd, files) => {
    try { chmodSync(WCSC, 0o755); } catch { /* read-only install: already executable */ }
    // -pc N: the first N files are page/component styles (they have a .json).
    const run = spawnSync(WCSC, ['-db', '-pc', String(files.length), ...files], { cwd, encoding: 'utf8' });
    return { status: run.status, out: run.stdout, err: run.stderr };
  };

  test('each page in app.json has a template that compiles and renders its initial data', () => {
    const $gwx = vm.runInNewContext(`(function () {${wxmlToJs(MP)}\n})`, { window: {} })();
    assert.ok(PAGES.length >= 3);
    for (const page of PAGES) {
      const generate = $gwx(`${page}.wxml`);
      assert.equal(typeof generate, 'function', `${page}.wxml compiled`);
      const tree = generate({}, {}, {});
      assert.equal(tree.tag, 'wx-page', `${page}.wxml renders`);
    }
  });

  test('every wx:for has a wx:key naming a field of its items (WeChat warns otherwise)', () => {
    // Items are objects here, so the key is one of their fields; WeChat's other form,
    // "*this", is for strings and numbers. A row that is itself an array has no field
    // to name: such lists are made of objects instead (dig: {y, cells}).
    for (const page of PAGES) {
      const wxml = readFileSync(join(MP, `${page}.wxml`), 'utf8');
      const loops = wxml.match(/<[a-z-]+[^>]*wx:for=[^>]*>/g) ?? [];
      for (const tag of loops) {
        const key = tag.match(/wx:key="([^"]*)"/);
        assert.ok(key, `${page}.wxml: ${tag} has no wx:key`);
        assert.ok(/^[a-z_][a-z0-9_]*$/i.test(key[1]) && key[1] !== 'index', `${page}.wxml: wx:key="${key[1]}" names no field`);
      }
    }
  });

  test('each page style compiles, with no selector wcsc reports as not allowed in page/component styles', () => {
    const files = PAGES.map((p) => `${p}.wxss`);
    const { status, out, err } = wcsc(MP, files);
    assert.equal(status, 0, err);
    for (const f of files) assert.ok(out.includes(`${f}=setCssToHead(`), `${f} compiled`);
    assert.ok(!/not allowed/.test(out), `wcsc warned: ${(out.match(/Some selectors are not allowed[^(]*\([^)]*\)/g) || []).join('; ')}`);
  });

  test('the compilers do report errors (a broken template and a broken style fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-broken-'));
    try {
      writeFileSync(join(dir, 'a.wxml'), '<view wx:for="{{rows}}">{{item}}\n');
      assert.throws(() => wxmlToJs(dir), /end tag missing|unexpected/);
      writeFileSync(join(dir, 'a.wxss'), '.a { color: red; \n.b {');
      const { status, err } = wcsc(dir, ['a.wxss']);
      assert.notEqual(status, 0);
      assert.match(err + '', /a\.wxss/);
      writeFileSync(join(dir, 'b.wxss'), '.a image { width: 1px; }');
      assert.match(wcsc(dir, ['b.wxss']).out, /not allowed/, 'a tag selector in a page style is reported');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the game page renders in miniprogram-simulate', () => {
  let simulate;
  before(async () => {
    // miniprogram-simulate renders into a DOM: jsdom's, as its docs suggest for Node.
    const { JSDOM } = await import('jsdom');
    const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true });
    for (const key of ['window', 'document', 'navigator', 'Element', 'Node', 'HTMLElement', 'Event', 'CustomEvent', 'getComputedStyle']) {
      Object.defineProperty(globalThis, key, { value: dom.window[key], configurable: true, writable: true });
    }
    simulate = require('miniprogram-simulate');
    // Pages call Page(); miniprogram-simulate renders components: hand the page's own
    // initial data to Component(). (The page's logic is tested elsewhere, through the
    // wx stand-in; here only its template and data shape matter.)
    globalThis.Page = (def) => globalThis.Component({ data: def.data, methods: {} });
  });
  after(() => {
    for (const key of ['window', 'document', 'navigator', 'Element', 'Node', 'HTMLElement', 'Event', 'CustomEvent', 'getComputedStyle', 'Page', 'Component', 'Behavior']) {
      delete globalThis[key];
    }
  });

  /** Loads a page with WeChat's compiler and renders it attached to a parent. */
  const render = (route) => {
    const id = simulate.load(join(MP, route), { rootPath: MP, compiler: 'official' });
    const page = simulate.render(id);
    page.attach(document.createElement('parent-wrapper'));
    return page;
  };
  const text = (page) => page.dom.textContent.replace(/\s+/g, ' ').trim();

  const seats = [
    { seat: 0, name: '小明', avatar: '', bot: false, ready: true, away: false, total: 3, streak: 1, spinning: false, face: '' },
    { seat: 1, name: 'Bot', avatar: '', bot: true, ready: true, away: false, total: 0, streak: 0, spinning: true, face: '😆' },
  ];

  test('a round in play: round, countdown, seats, the three hands', () => {
    const page = render('pages/index/index');
    assert.match(text(page), /连接中… · Connecting…/, 'before any data: connecting');
    page.setData({ connection: 'open', mySeat: 0, seats, phase: 'playing', round: 2, secondsLeft: 7, myChoice: 'rock' });
    const shown = text(page);
    for (const want of ['已连接 · Connected', '小明（我 me）', '3 分 · 连胜 1', '🤖', 'Bot', '😆', '第 2 局 · Round 2', '7s', '✊', '石头 Rock', '✌️', '剪刀 Scissors', '✋', '布 Paper']) {
      assert.ok(shown.includes(want), `shows ${want}: ${shown}`);
    }
    assert.ok(!shown.includes('Play again'), 'no result yet');
    assert.equal(page.querySelectorAll('.hand').length, 3);
    assert.equal(page.querySelectorAll('.seat').length, 2);
    assert.equal(page.querySelectorAll('.picked').length, 1, 'my hand is marked');
    assert.equal(page.querySelectorAll('.spin').length, 1, "the other seat's avatar spins");
  });

  test('a result: outcome, every line with hand, score, total and streak', () => {
    const page = render('pages/index/index');
    const result = {
      round: 2,
      outcome: 'win',
      outcomeText: '你赢了 · You win',
      lines: [
        { seat: 0, name: '小明', icon: '✊', mine: true, choice: 'rock', base: 1, score: 1, total: 3, streak: 1 },
        { seat: 1, name: 'Bot', icon: '✌️', mine: false, choice: 'scissors', base: -1, score: 0, total: 0, streak: 0 },
      ],
    };
    page.setData({ connection: 'open', mySeat: 0, seats, phase: 'result', round: 2, result });
    const shown = text(page);
    for (const want of ['你赢了 · You win', '+1 · 总 3 · 连胜 1', '+0 · 总 0 · 连胜 0', '再来一局 · Play again']) {
      assert.ok(shown.includes(want), `shows ${want}: ${shown}`);
    }
    assert.ok(!shown.includes('石头 Rock'), 'the hands are gone');
    assert.equal(page.querySelectorAll('.line').length, 2);
  });

  test('play a friend: the button in a matched room; in a private room its code and the invite (share) button', () => {
    const matched = render('pages/index/index');
    // Between rounds the banner is the SDK's waitingText (the page computes it from the
    // seats): here the other player has not pressed Play again yet.
    const rival = { ...seats[1], name: '小红', bot: false, ready: false };
    const waiting = waitingText({ seats: [seats[0], rival], mySeat: 0, room: { size: 2 } });
    assert.equal(waiting, '等待 小红 再来一局 · Waiting for 小红 to play again');
    matched.setData({ connection: 'open', mySeat: 0, seats: [seats[0], rival], phase: 'waiting', waiting });
    assert.match(text(matched), /和好友玩 · Play a friend/);
    assert.match(text(matched), /Waiting for 小红 to play again/);
    assert.equal(matched.querySelectorAll('.invite').length, 1);

    const host = render('pages/index/index');
    const alone = waitingText({ seats: seats.slice(0, 1), mySeat: 0, room: { size: 2, private: true } });
    host.setData({ connection: 'open', mySeat: 0, seats: seats.slice(0, 1), phase: 'waiting', code: 'K7M2PQ', waiting: alone });
    const shown = text(host);
    assert.match(shown, /房间码 Code K7M2PQ/);
    assert.match(shown, /邀请好友 · Invite/);
    assert.match(shown, /等待朋友加入… · Waiting for your friend to join/);
    assert.ok(!shown.includes('Play a friend'));

    const lost = render('pages/index/index');
    lost.setData({ connection: 'closed', phase: 'waiting', noEntry: '邀请已失效 · This invitation is wrong or has expired' });
    assert.match(text(lost), /This invitation is wrong or has expired/);
    assert.ok(!text(lost).includes('Waiting for'), 'no room to wait in');
    assert.ok(!text(lost).includes('Play a friend'));

    for (const route of ['pages/dig/dig', 'pages/chat/chat']) {
      const page = render(route);
      page.setData({ code: 'ABCDEF' });
      assert.match(text(page), /房间码 Code ABCDEF/, route);
      assert.match(text(page), /邀请好友 · Invite/, route);
    }
  });

  test('dig gold draws its board row by row, chat its lines', () => {
    const dig = render('pages/dig/dig');
    const cells = ['.1', '$0'].map((row, y) => ({
      y,
      cells: row.split('').map((c, x) => ({ key: `${x}-${y}`, x, y, dug: c !== '.', gold: c === '$', text: c === '.' || c === '0' ? '' : c === '$' ? '💰' : c })),
    }));
    dig.setData({ mySeat: 0, seats: seats.slice(0, 1), scores: { 0: 1 }, cells, turn: 0, myTurn: true, secondsLeft: 9 });
    assert.equal(dig.querySelectorAll('.row').length, 2);
    assert.equal(dig.querySelectorAll('.cell').length, 4);
    assert.equal(dig.querySelectorAll('.gold').length, 1);
    assert.match(text(dig), /轮到你了！Your turn — 9s/);
    assert.match(text(dig), /💰 1/);

    const chat = render('pages/chat/chat');
    chat.setData({ online: 2, mySeat: 0, lines: [{ id: 1, kind: 'said', name: 'friend', text: '你好！' }, { id: 2, kind: 'presence', text: '小明 进入了房间' }] });
    assert.match(text(chat), /在线 2 人/);
    assert.match(text(chat), /friend: 你好！/);
    assert.match(text(chat), /小明 进入了房间/);
  });
});
