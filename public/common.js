// What every page shares: who I am (a guest token and a name per tab), the client for a
// game (matched, watching, or in a friend's private room by `?room=<code>`), the bar
// with the name field, "Play a friend" and the invite link, the connection badge, and
// the game's leaderboard. Pages only draw what the frames say.
import {
  ArenaClient, browserTransport, sessionAuth, guestSession, webStore, normalizeCode, openPrivateRoom,
} from './vendor/arena.js';

export const $ = (id) => document.getElementById(id);
export const params = new URLSearchParams(location.search);

const CONNECTION_TEXT = {
  idle: '未连接 · Idle', connecting: '连接中… · Connecting…', open: '已连接 · Connected',
  reconnecting: '重连中… · Reconnecting…', closed: '已断开 · Closed',
};

/** Where each game's page lives (the links a friend opens point here). */
export const PAGES = { rps: '/', dig: '/dig', chat: '/chat' };

/** Why a code opened nothing (close 4004), as the player reads it. */
const NO_ENTRY_TEXT = {
  unknown_code: '这个链接无效或已过期 · This link is wrong or has expired',
  room_full: '房间已满 · The room is full',
  rate_limited: '错误的房间码太多，请几分钟后再试 · Too many wrong codes: try again in a few minutes',
};

const NAME_KEY = 'arena-name';

/**
 * This tab's name: `?name=`, else the one this tab already has, else a new one. Kept in
 * sessionStorage, so every tab is its own player with its own name (as its guest token
 * is), and a reload keeps it.
 */
export function playerName() {
  let name = params.get('name') || sessionStorage.getItem(NAME_KEY);
  if (!name) name = `玩家${Math.floor(Math.random() * 9000 + 1000)}`;
  sessionStorage.setItem(NAME_KEY, name);
  return name;
}

/**
 * The client for `game`: in the private room of `?room=<code>`, watching `?watch=<room>`,
 * or matched. Reachable as `window.arena` for tests and curious developers. Builds the
 * shared parts of the page and connects once the page has registered its handlers.
 * Returns the client and what kind of room this is (`private`, `watching`, `size`).
 */
export function startClient(game) {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  // A guest token per tab (sessionStorage): two tabs are two players.
  const auth = sessionAuth(guestSession(location.origin), { store: webStore(sessionStorage) });
  const watch = params.get('watch') || undefined;
  const typed = params.get('room');
  const code = typed === null ? null : normalizeCode(typed);
  const room = { game, private: typed !== null, code, watching: !!watch, size: null };
  const client = new ArenaClient({
    url: wsUrl, name: playerName(), game, auth, transport: browserTransport(),
    ...(code ? { join: code } : watch ? { watch } : {}),
  });
  window.arena = client;
  mountBar(client, auth, room);
  client.on('connection', (state) => {
    $('connection').dataset.state = state;
    $('connection').textContent = CONNECTION_TEXT[state];
  });
  client.on('hi', (f) => { room.size = f.size; });
  client.on('watching', (f) => { room.size = f.size; });
  client.on('error', (f) => console.warn('server error', f.code, f.message));
  client.on('close', ({ code: closeCode, reason }) => {
    if (closeCode === 4004) noEntry(NO_ENTRY_TEXT[reason] ?? NO_ENTRY_TEXT.unknown_code);
  });
  if (watch) document.body.dataset.watching = watch;
  if (room.private) document.body.dataset.private = code ?? 'invalid';
  document.addEventListener('visibilitychange', () => { if (!document.hidden) client.wake(); });
  if (typed !== null && !code) {
    // A mangled link: nothing to join, and no stranger's room either.
    queueMicrotask(() => noEntry(NO_ENTRY_TEXT.unknown_code));
  } else {
    queueMicrotask(() => client.connect());
  }
  return { client, room, auth };
}

/** The element `tag` with `props` and children. */
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/**
 * The bar above the game: this tab's name (editable: `hello` tells the room), the
 * spectator label, "Play a friend", and in a private room the link to send.
 */
function mountBar(client, auth, room) {
  const name = el('input', { id: 'my-name', maxLength: 24, value: playerName(), autocomplete: 'off' });
  name.setAttribute('aria-label', '名字 Name');
  const rename = () => {
    const value = name.value.trim();
    if (!value || value === sessionStorage.getItem(NAME_KEY)) return;
    sessionStorage.setItem(NAME_KEY, value);
    // A spectator has no seat to name (the server would refuse the frame): the name is
    // used the next time this tab plays.
    if (!room.watching) client.send({ type: 'hello', name: value });
  };
  name.addEventListener('change', rename);
  const friend = el('button', { id: 'play-friend', type: 'button', textContent: '和朋友玩 · Play a friend' });
  friend.addEventListener('click', () => playFriend(client, auth, room, friend));
  const watching = el('span', { id: 'watching-label', textContent: '观战中 · watching', hidden: !room.watching });
  const bar = el('section', { id: 'bar' },
    el('label', { className: 'name-field' }, el('span', { textContent: '我 Me' }), name),
    watching,
    room.private ? '' : friend);
  const invite = el('section', { id: 'invite', hidden: !room.private });
  if (room.private && room.code) {
    const link = `${location.origin}${PAGES[room.game]}?room=${room.code}`;
    const copy = el('button', { id: 'copy-link', type: 'button', textContent: '复制 Copy' });
    const copied = el('span', { id: 'copied', className: 'hint' });
    copy.addEventListener('click', async () => {
      copied.textContent = (await copyText(link)) ? '已复制 · Copied' : '请长按链接复制 · Copy the link by hand';
    });
    invite.append(
      el('p', {}, '把链接发给朋友 · Send your friend this link: ', el('b', { id: 'invite-code', textContent: room.code })),
      el('p', { className: 'link-row' }, el('a', { id: 'invite-link', href: link, textContent: link }), copy),
      copied,
    );
  }
  document.querySelector('main').prepend(bar, invite);
}

/** Puts `text` on the clipboard; false when the browser will not. */
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (an http:// page on another host): the old way.
    const area = el('textarea', { value: text });
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

/**
 * "Play a friend": a private room for this game (no bots: it waits for the friend),
 * then this tab goes there. The seat in the public room is given up first, so that room
 * does not hold it for the resume window.
 */
async function playFriend(client, auth, room, button) {
  button.disabled = true;
  button.textContent = '正在开房间… · Opening a room…';
  try {
    const { code } = await openPrivateRoom(location.origin, auth, { game: room.game });
    if (client.state === 'open') {
      const left = new Promise((resolve) => { client.once('close', resolve); setTimeout(resolve, 3000); });
      client.leave();
      await left;
    } else {
      client.close();
    }
    location.assign(`${PAGES[room.game]}?room=${code}`);
  } catch (err) {
    button.disabled = false;
    button.textContent = '和朋友玩 · Play a friend';
    noEntry(`开房间失败，请重试 · Could not open a room (${err.error ?? err.message}); try again`, false);
  }
}

/** Says why this page is not in a room, with the way to one. */
function noEntry(text, final = true) {
  const invite = $('invite');
  invite.hidden = false;
  invite.dataset.error = 'true';
  invite.replaceChildren(el('p', { id: 'no-entry', textContent: text }));
  if (final) {
    invite.append(el('p', {}, el('a', { href: location.pathname, textContent: '和其他人玩 · Play someone else' })));
    document.body.dataset.noEntry = 'true';
  }
}

/**
 * The game's own leaderboard (`GET /api/leaderboard?game=`), with this tab's line.
 * Refreshed now, a moment after each round or game the page reports (`refresh()`), and
 * every 15 s (rooms send stats in batches, so a board catches up within STATS_FLUSH_MS).
 */
export function mountLeaderboard(game, auth) {
  const body = el('tbody', { id: 'leaderboard-rows' });
  const me = el('p', { id: 'leaderboard-me', className: 'hint' });
  const section = el('section', { id: 'leaderboard' },
    el('h2', { textContent: game === 'dig' ? '挖金子排行榜 · Dig gold leaderboard' : '石头剪刀布排行榜 · Rock-paper-scissors leaderboard' }),
    el('table', {},
      el('thead', {}, el('tr', {}, ...['# 名次', '玩家 Player', game === 'dig' ? '金子 Gold' : '总分 Total', '胜 Wins', '局 Rounds']
        .map((text) => el('th', { textContent: text })))),
      body),
    me);
  section.dataset.game = game;
  document.querySelector('main').append(section);
  const load = async () => {
    try {
      const token = await auth();
      const res = await fetch(`/api/leaderboard?game=${game}&limit=10`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) return;
      const board = await res.json();
      section.dataset.loaded = board.game;
      body.replaceChildren(...board.top.map((line) => el('tr', {},
        ...[line.rank, line.name, line.total, line.wins, line.rounds].map((v) => el('td', { textContent: String(v) })))));
      if (!board.top.length) body.append(el('tr', {}, el('td', { colSpan: 5, textContent: '还没有成绩 · No scores yet' })));
      me.textContent = board.me ? `我 Me: 第 ${board.me.rank} 名 · rank ${board.me.rank}, ${board.me.total}` : '';
    } catch { /* offline: the next refresh tries again */ }
  };
  load();
  setInterval(load, 15_000);
  return { refresh: () => setTimeout(load, 1500) };
}
