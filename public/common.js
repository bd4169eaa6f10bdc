// What every page shares: who I am (a guest token per tab), the client for a game, the
// connection badge, the nav. Pages only draw what the frames say.
import { ArenaClient, browserTransport, sessionAuth, guestSession, webStore } from './vendor/arena.js';

export const $ = (id) => document.getElementById(id);
export const params = new URLSearchParams(location.search);

const CONNECTION_TEXT = {
  idle: '未连接 · Idle', connecting: '连接中… · Connecting…', open: '已连接 · Connected',
  reconnecting: '重连中… · Reconnecting…', closed: '已断开 · Closed',
};

/** A name kept across pages (?name= overrides). */
export function playerName() {
  const name = params.get('name') || localStorage.getItem('arena-name') || `玩家${Math.floor(Math.random() * 9000 + 1000)}`;
  localStorage.setItem('arena-name', name);
  return name;
}

/**
 * The client for `game` (or a spectator of `?watch=<room>`), with the connection badge
 * wired, reachable as `window.arena` for tests and curious developers. Connects.
 */
export function startClient(game) {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  // A guest token per tab (sessionStorage): two tabs are two players.
  const auth = sessionAuth(guestSession(location.origin), { store: webStore(sessionStorage) });
  const watch = params.get('watch') || undefined;
  const client = new ArenaClient({ url: wsUrl, name: playerName(), game, watch, auth, transport: browserTransport() });
  window.arena = client;
  client.on('connection', (state) => {
    $('connection').dataset.state = state;
    $('connection').textContent = CONNECTION_TEXT[state];
  });
  client.on('error', (f) => console.warn('server error', f.code, f.message));
  if (watch) document.body.dataset.watching = watch;
  document.addEventListener('visibilitychange', () => { if (!document.hidden) client.wake(); });
  // Connect once the page has registered its handlers.
  queueMicrotask(() => client.connect());
  return client;
}
