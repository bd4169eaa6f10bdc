// Generated from src/protocol.rs by `UPDATE_TYPES=1 cargo test typegen`. Do not edit.

export type Choice = "rock" | "paper" | "scissors";

export type Face = "laugh" | "cry" | "angry" | "smirk";

export type MovementKind = "choice" | "face";

export type RoomPhase = "waiting" | "playing";

export type ErrorCode = "bad_frame" | "unknown_type" | "binary_frame" | "bad_value" | "not_in_round" | "round_in_progress" | "not_seated" | "seat_gone" | "rate_limited" | "unauthorized" | "token_expired";

export type SeatView = { seat: number, name: string, avatar: string, bot: boolean, 
/**
 * Ready for the next round.
 */
ready: boolean, 
/**
 * The player's connection dropped; the seat is held for them to resume.
 */
away: boolean, total: number, streak: number, };

export type SeatResult = { seat: number, 
/**
 * `null` when the seat chose nothing (which loses to any hand).
 */
choice: Choice | null, 
/**
 * Sum of +1 / −1 against every other seat.
 */
base: number, 
/**
 * Points this round: base × streak when base > 0, else 0.
 */
score: number, total: number, streak: number, };

export type ClientFrame = { "type": "hello", name?: string, avatar?: string, } | { "type": "join", } | { "type": "leave", } | { "type": "choice", choice: Choice, } | { "type": "face", face: Face, } | { "type": "ping", };

export type ServerFrame = { "type": "hi", room: string, seat: number, size: number, 
/**
 * People seated across the service, as the matchmaker last knew it.
 */
online: number, round_ms: number, 
/**
 * Reconnect with `/ws?resume=<this>` within the grace window to get this seat
 * back. Keep it private: it is the seat.
 */
resume: string, 
/**
 * True when this connection took back a held seat.
 */
resumed: boolean, } | { "type": "state", phase: RoomPhase, round: number, 
/**
 * Milliseconds left in the running round, if one runs.
 */
ends_in_ms: number | null, seats: Array<SeatView>, 
/**
 * Your own hand in the running round, if you chose one.
 */
choice: Choice | null, } | { "type": "room", phase: RoomPhase, seats: Array<SeatView>, } | { "type": "start", round: number, round_ms: number, 
/**
 * Milliseconds until the server settles the round.
 */
ends_in_ms: number, seats: Array<SeatView>, } | { "type": "movement", seat: number, what: MovementKind, face?: Face | null, } | { "type": "result", round: number, seats: Array<SeatResult>, } | { "type": "error", code: ErrorCode, message: string, } | { "type": "pong", };
