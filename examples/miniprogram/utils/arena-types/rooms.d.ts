/**
 * A code as someone typed or pasted it, in the server's form: case, spaces and dashes do
 * not matter (`'abc-def'` → `'ABCDEF'`). `null` when it cannot be a code, so a page can
 * tell a mangled link before it connects.
 * @param {unknown} typed
 * @returns {string | null}
 */
export function normalizeCode(typed: unknown): string | null;
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
export function openPrivateRoom(apiBase: string, auth: RoomAuth, { game, bots, post }?: {
    game?: "rps" | "dig" | "chat";
    bots?: boolean;
    post?: import("./login.js").Post;
}): Promise<PrivateRoom>;
/**
 * The characters of a code, as the server makes them (src/ids.rs CODE_ALPHABET): no 0/O,
 * no 1/I, so a code read aloud or off a screen is typed right.
 */
export const CODE_ALPHABET: "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/** Characters in a code. */
export const CODE_LENGTH: 6;
/**
 * A private room the server opened.
 */
export type PrivateRoom = {
    /**
     * the room's name (a private room is not listed, nor watchable by it)
     */
    room: string;
    /**
     * what a friend joins with: `new ArenaClient({ …, join: code })`
     */
    code: string;
    /**
     * ms since the epoch: when the code expires if nobody comes
     * in; once someone is in, it lives while the room has people (and the resume window
     * after it empties)
     */
    expires_at: number;
};
/**
 * How `openPrivateRoom` proves who you are: a session token, or an `auth` callback as
 * ArenaClient takes (`sessionAuth(…)`), which is asked again with `refresh` if the
 * server refuses the token.
 */
export type RoomAuth = string | ((opts: {
    refresh: boolean;
}) => Promise<string>);
