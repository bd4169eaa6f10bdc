// Edge Arena client SDK: `new ArenaClient({ url, transport: wxTransport(wx) })` in a
// mini-program, `browserTransport()` in a browser. Types: ../types/index.d.ts, made from
// the JSDoc in these files by `tsc` (see scripts/sdk-bundle.mjs).
export { ArenaClient, DEFAULTS, SUBPROTOCOL, backoffDelay, systemClock } from './arena.js';
export { browserTransport, wxTransport } from './transports.js';
export { CLOSE_CODES, PING_FRAME, PONG_FRAME, MAX_FRAME_BYTES } from './codes.js';
export { HANDS, FACES, handIcon, faceIcon, describeResult, OUTCOME_TEXT } from './rps.js';
export { openPrivateRoom, normalizeCode, CODE_ALPHABET, CODE_LENGTH } from './rooms.js';
export { waitingText } from './waiting.js';
export {
  ApiError, LoginError, sessionAuth, wechatSession, guestSession, wxPost, fetchPost, wxStore, webStore, apiBaseOf,
} from './login.js';

// Types (for TypeScript and JSDoc users): the frames, generated from the server's Rust
// types, and the client's own.
/** @typedef {import('./protocol.js').ServerFrame} ServerFrame */
/** @typedef {import('./protocol.js').ClientFrame} ClientFrame */
/**
 * The server frame of one type: `FrameOf<'result'>`.
 * @template {ServerFrame['type']} K
 * @typedef {Extract<ServerFrame, { type: K }>} FrameOf
 */
/** @typedef {import('./arena.js').ArenaOptions} ArenaOptions */
/** @typedef {import('./arena.js').ArenaEvents} ArenaEvents */
/** @typedef {import('./arena.js').ConnectionState} ConnectionState */
/** @typedef {import('./arena.js').CloseInfo} CloseInfo */
/** @typedef {import('./arena.js').AuthErrorInfo} AuthErrorInfo */
/** @typedef {import('./arena.js').Transport} Transport */
/** @typedef {import('./arena.js').TransportSocket} TransportSocket */
/** @typedef {import('./arena.js').Clock} Clock */
/** @typedef {import('./login.js').Session} Session */
/** @typedef {import('./login.js').SessionSource} SessionSource */
/** @typedef {import('./login.js').SessionStore} SessionStore */
/** @typedef {import('./login.js').Post} Post */
/** @typedef {import('./rooms.js').PrivateRoom} PrivateRoom */
/** @typedef {import('./rooms.js').RoomAuth} RoomAuth */
/** @typedef {import('./waiting.js').WaitingRoom} WaitingRoom */
