// One place that knows how this mini-program connects: the server address, how it
// logs in (config.js), the SDK client for a game, and private rooms for friends.
const {
  ArenaClient, wxTransport, sessionAuth, wechatSession, guestSession, wxPost, wxStore, apiBaseOf,
  openPrivateRoom, normalizeCode,
} = require('./arena.js');
const config = require('../config.js');

/** @typedef {'rps' | 'dig' | 'chat'} Game */

/** @type {{ key: string, auth: (opts?: { refresh?: boolean }) => Promise<string> } | null} */
let shared = null;

/**
 * Who we are: WeChat login (wx.login → POST /api/login) or, in development, a guest.
 * One session for the whole mini-program (every page's client and its HTTP calls), so
 * a page never logs in twice at once as two different players.
 */
function auth() {
  const apiBase = apiBaseOf(config.serverUrl);
  const key = `${config.login} ${apiBase}`;
  if (!shared || shared.key !== key) {
    const session = config.login === 'guest' ? guestSession(apiBase, wxPost(wx)) : wechatSession(wx, apiBase);
    shared = { key, auth: sessionAuth(session, { store: wxStore(wx) }) };
  }
  return shared.auth;
}

/**
 * A connected-to-be client for `game` playing as `name`; with `code`, in that private
 * room (a friend's share card) instead of a matched one.
 * @param {Game} game
 * @param {string} name
 * @param {string | null} [code]
 */
function makeClient(game, name, code) {
  const options = { url: config.serverUrl, game, name, auth: auth(), transport: wxTransport(wx) };
  return new ArenaClient(code ? { ...options, join: code } : options);
}

/**
 * Opens a private room for `game` (no bots: it waits for the friends you share it
 * with): `{room, code, expires_at}`.
 * @param {Game} game
 */
function openRoom(game) {
  return openPrivateRoom(apiBaseOf(config.serverUrl), auth(), { game, post: wxPost(wx) });
}

/**
 * A page that can move into a private room (see `playFriend`).
 * @typedef {object} FriendPage
 * @property {{ opening: boolean }} data
 * @property {ArenaClient | null} client
 * @property {(data: Record<string, any>) => void} setData
 * @property {(code: string) => void} start connects the page into the room of `code`
 */

/**
 * "Play a friend" on any game page: opens a private room for `game`, gives up the
 * page's current seat (`leave`, so its room does not hold the seat for the resume
 * window), shows the page empty (`empty`: its data in no room; `leaving` first stops the
 * page's own timers) and starts it in the new room. A failure to open is shown in
 * `noEntry`, and the page stays where it was.
 * @param {FriendPage} page
 * @param {Game} game
 * @param {Record<string, any>} empty
 * @param {() => void} [leaving]
 */
function playFriend(page, game, empty, leaving) {
  if (page.data.opening) return;
  page.setData({ opening: true, noEntry: '' });
  openRoom(game).then(
    ({ code }) => {
      const old = page.client;
      page.client = null;
      if (leaving) leaving();
      page.setData({ ...empty, opening: false });
      const go = () => page.start(code);
      if (old && old.state === 'open') {
        old.once('close', go);
        old.leave();
      } else {
        if (old) old.close();
        go();
      }
    },
    (/** @type {{ error?: string, message?: string }} */ err) => {
      page.setData({ opening: false, noEntry: `开房间失败，请重试 · Could not open a room (${err.error || err.message})` });
    },
  );
}

/**
 * The room code a page was opened with (`?room=` of a share card's path): the code,
 * `null` without one, or `false` for one that cannot be a code.
 * @param {Record<string, string | undefined> | undefined} query the page's onLoad query
 * @returns {string | null | false}
 */
function codeOf(query) {
  if (!query || query.room === undefined) return null;
  return normalizeCode(query.room) || false;
}

/** Why a code opened nothing (the client's close 4004), as the player reads it. */
const NO_ENTRY_TEXT = {
  unknown_code: '邀请已失效 · This invitation is wrong or has expired',
  room_full: '房间已满 · The room is full',
  rate_limited: '错误的房间码太多，请稍后再试 · Too many wrong codes: try again later',
};

/**
 * What to tell the player when a client stopped for good: for close 4004 (a code that
 * opens nothing) the reason, else ''.
 * @param {{ code: number, reason: string }} close
 */
function noEntryText(close) {
  if (close.code !== 4004) return '';
  return NO_ENTRY_TEXT[/** @type {keyof typeof NO_ENTRY_TEXT} */ (close.reason)] || NO_ENTRY_TEXT.unknown_code;
}

/**
 * Shows the share menu's 转发 (send to a chat) on the page: the card it sends is the
 * page's onShareAppMessage.
 * https://developers.weixin.qq.com/miniprogram/dev/api/share/wx.showShareMenu.html
 */
function enableSharing() {
  wx.showShareMenu({ withShareTicket: false, menus: ['shareAppMessage'] });
}

/**
 * A random name for players who did not give one.
 * @param {Record<string, string | undefined> | undefined} query the page's onLoad query
 */
function defaultName(query) {
  return (query && query.name) || `玩家${Math.floor(Math.random() * 9000 + 1000)}`;
}

module.exports = { makeClient, openRoom, playFriend, codeOf, noEntryText, enableSharing, defaultName, NO_ENTRY_TEXT };
