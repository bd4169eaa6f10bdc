export { waitingText } from "./waiting.js";
export type ServerFrame = import("./protocol.js").ServerFrame;
export type ClientFrame = import("./protocol.js").ClientFrame;
/**
 * The server frame of one type: `FrameOf<'result'>`.
 */
export type FrameOf<K extends ServerFrame["type"]> = Extract<ServerFrame, {
    type: K;
}>;
export type ArenaOptions = import("./arena.js").ArenaOptions;
export type ArenaEvents = import("./arena.js").ArenaEvents;
export type ConnectionState = import("./arena.js").ConnectionState;
export type CloseInfo = import("./arena.js").CloseInfo;
export type AuthErrorInfo = import("./arena.js").AuthErrorInfo;
export type Transport = import("./arena.js").Transport;
export type TransportSocket = import("./arena.js").TransportSocket;
export type Clock = import("./arena.js").Clock;
export type Session = import("./login.js").Session;
export type SessionSource = import("./login.js").SessionSource;
export type SessionStore = import("./login.js").SessionStore;
export type Post = import("./login.js").Post;
export type PrivateRoom = import("./rooms.js").PrivateRoom;
export type RoomAuth = import("./rooms.js").RoomAuth;
export type WaitingRoom = import("./waiting.js").WaitingRoom;
export { ArenaClient, DEFAULTS, SUBPROTOCOL, backoffDelay, systemClock } from "./arena.js";
export { browserTransport, wxTransport } from "./transports.js";
export { CLOSE_CODES, PING_FRAME, PONG_FRAME, MAX_FRAME_BYTES } from "./codes.js";
export { HANDS, FACES, handIcon, faceIcon, describeResult, OUTCOME_TEXT } from "./rps.js";
export { openPrivateRoom, normalizeCode, CODE_ALPHABET, CODE_LENGTH } from "./rooms.js";
export { ApiError, LoginError, sessionAuth, wechatSession, guestSession, wxPost, fetchPost, wxStore, webStore, apiBaseOf } from "./login.js";
