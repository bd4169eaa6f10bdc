/** The heartbeat, byte for byte: the server's auto-response matches it exactly. */
export const PING_FRAME: "{\"type\":\"ping\"}";
export const PONG_FRAME: "{\"type\":\"pong\"}";
export const MAX_FRAME_BYTES: 4096;
export namespace CLOSE_CODES {
    let Normal: number;
    let RateLimited: number;
    let TooBig: number;
    let HeartbeatTimeout: number;
    let Replaced: number;
    let SeatGone: number;
    let Unauthorized: number;
    let NoEntry: number;
}
