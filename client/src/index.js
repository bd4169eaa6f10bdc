// Edge Arena client SDK: `new ArenaClient({ url, transport: wxTransport(wx) })` in a
// mini-program, `browserTransport()` in a browser. Types: ../types/index.d.ts, made from
// the JSDoc in these files by `tsc` (see scripts/sdk-bundle.mjs).
export { ArenaClient, DEFAULTS, SUBPROTOCOL, backoffDelay, systemClock } from './arena.js';
export { browserTransport, wxTransport } from './transports.js';
export { CLOSE_CODES, PING_FRAME, PONG_FRAME, MAX_FRAME_BYTES } from './codes.js';
export { HANDS, FACES, handIcon, faceIcon, describeResult, OUTCOME_TEXT } from './rps.js';
export {
  LoginError, sessionAuth, wechatSession, guestSession, wxPost, fetchPost, wxStore, webStore, apiBaseOf,
} from './login.js';
