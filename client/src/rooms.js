// Private rooms: a friend plays you, not a stranger.
//
//   const { code } = await openPrivateRoom('https://arena.example.com', auth, { game: 'rps' });
//   new ArenaClient({ url, transport, auth, join: code });   // you, and your friend with the same code
//
// `POST /api/rooms` (with the session token) opens a room and answers its code; a socket
// to `/ws?join=<code>` sits down in it. The code lives while the room has people in it,
// and for the server's resume window after it empties. A code that opens nothing gets
// `error {code: 'unknown_code'}` and close 4004, which the client takes as final.

import { ApiError, fetchPost } from './login.js';

/**
 * The characters of a code, as the server makes them (src/ids.rs CODE_ALPHABET): no 0/O,
 * no 1/I, so a code read aloud or off a screen is typed right.
 */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** Characters in a code. */
export const CODE_LENGTH = 6;

/** The games a private room can be opened for. */
const GAMES = ['rps', 'dig', 'chat'];

/**
 * A code as someone typed or pasted it, in the server's form: case, spaces and dashes do
 * not matter (`'abc-def'` → `'ABCDEF'`). `null` when it cannot be a code, so a page can
 * tell a mangled link before it connects.
 * @param {unknown} typed
 * @returns {string | null}
 */
export function normalizeCode(typed) {
  if (typeof typed !== 'string') return null;
  const code = typed.replace(/[\s-]+/g, '').toUpperCase();
  if (code.length !== CODE_LENGTH) return null;
  for (const c of code) if (!CODE_ALPHABET.includes(c)) return null;
  return code;
}

/**
 * A private room the server opened.
 * @typedef {object} PrivateRoom
 * @property {string} room the room's name (a private room is not listed, nor watchable by it)
 * @property {string} code what a friend joins with: `new ArenaClient({ …, join: code })`
 * @property {number} expires_at ms since the epoch: when the code expires if nobody comes
 *   in; once someone is in, it lives while the room has people (and the resume window
 *   after it empties)
 */

/**
 * How `openPrivateRoom` proves who you are: a session token, or an `auth` callback as
 * ArenaClient takes (`sessionAuth(…)`), which is asked again with `refresh` if the
 * server refuses the token.
 * @typedef {string | ((opts: { refresh: boolean }) => Promise<string>)} RoomAuth
 */

/**
 * Opens a private room: `POST {apiBase}/api/rooms {game, bots}` with the session token.
 * In a mini-program pass `post: wxPost(wx)` (there is no fetch there); a browser uses
 * fetch by default. Rejects with an ApiError: `status` 0 when the request did not get
 * through, 401 `unauthorized` (after one fresh token, with an auth callback), 400
 * `bad_request`, 503 `unavailable`.
 * @param {string} apiBase e.g. 'https://arena.example.com' (`apiBaseOf(wsUrl)`)
 * @param {RoomAuth} auth
 * @param {{ game?: 'rps' | 'dig' | 'chat', bots?: boolean, post?: import('./login.js').Post }} [options]
 *   `bots`: let bots fill free seats, as in public rooms (default false: the room waits
 *   for your friends)
 * @returns {Promise<PrivateRoom>}
 */
export async function openPrivateRoom(apiBase, auth, { game = 'rps', bots = false, post } = {}) {
  if (typeof apiBase !== 'string') throw new TypeError('openPrivateRoom: apiBase must be a string');
  if (typeof auth !== 'string' && typeof auth !== 'function') {
    throw new TypeError('openPrivateRoom: auth must be a session token or an auth callback');
  }
  if (!GAMES.includes(game)) throw new TypeError(`openPrivateRoom: game must be one of ${GAMES.join(', ')}`);
  if (typeof bots !== 'boolean') throw new TypeError('openPrivateRoom: bots must be true or false');
  const send = post ?? fetchPost();
  const url = `${apiBase.replace(/\/+$/, '')}/api/rooms`;
  /** @param {boolean} refresh */
  const attempt = async (refresh) => {
    const token = typeof auth === 'string' ? auth : await auth({ refresh });
    return send(url, { game, bots }, { authorization: `Bearer ${token}` });
  };
  let { status, data } = await attempt(false);
  // A kept token the server no longer takes (expired, another secret): one fresh one.
  if (status === 401 && typeof auth === 'function') ({ status, data } = await attempt(true));
  if (status !== 200 || typeof data?.code !== 'string' || typeof data?.room !== 'string') {
    throw new ApiError(status, data?.error, data?.message);
  }
  return { room: data.room, code: data.code, expires_at: data.expires_at };
}
