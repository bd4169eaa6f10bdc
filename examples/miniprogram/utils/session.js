// One place that knows how this mini-program connects: the server address, how it
// logs in (config.js), and the SDK client for a game.
const {
  ArenaClient, wxTransport, sessionAuth, wechatSession, guestSession, wxPost, wxStore, apiBaseOf,
} = require('./arena.js');
const config = require('../config.js');

/**
 * A connected-to-be client for `game` ('rps', 'dig', 'chat') playing as `name`.
 * @param {'rps' | 'dig' | 'chat'} game
 * @param {string} name
 */
function makeClient(game, name) {
  // Who we are: WeChat login (wx.login → POST /api/login) or, in development, a guest.
  const apiBase = apiBaseOf(config.serverUrl);
  const session = config.login === 'guest' ? guestSession(apiBase, wxPost(wx)) : wechatSession(wx, apiBase);
  const auth = sessionAuth(session, { store: wxStore(wx) });
  return new ArenaClient({ url: config.serverUrl, game, name, auth, transport: wxTransport(wx) });
}

/**
 * A random name for players who did not give one.
 * @param {Record<string, string | undefined> | undefined} query the page's onLoad query
 */
function defaultName(query) {
  return (query && query.name) || `玩家${Math.floor(Math.random() * 9000 + 1000)}`;
}

module.exports = { makeClient, defaultName };
