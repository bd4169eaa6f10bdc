// Generated from the protocol (src/protocol.rs) and every registered game (src/games/) by `UPDATE_TYPES=1 cargo test typegen`. Do not edit.

/** The heartbeat, byte for byte: the server's auto-response matches it exactly. */
export const PING_FRAME = "{\"type\":\"ping\"}";
export const PONG_FRAME = "{\"type\":\"pong\"}";
export const MAX_FRAME_BYTES = 4096;

/** Close codes the server sends, by name. */
export const CLOSE_CODES = {
  Normal: 1000,
  RateLimited: 1008,
  TooBig: 1009,
  HeartbeatTimeout: 4000,
  Replaced: 4001,
  SeatGone: 4002,
  Unauthorized: 4003,
  NoEntry: 4004,
};
