// Generated from the protocol (src/protocol.rs) and every registered game (src/games/) by `UPDATE_TYPES=1 cargo test typegen`. Do not edit.

export type GameKind = "rps" | "dig" | "chat";

export type RoomPhase = "waiting" | "playing";

export type ErrorCode = "bad_frame" | "unknown_type" | "binary_frame" | "bad_value" | "not_in_round" | "round_in_progress" | "not_seated" | "seat_gone" | "rate_limited" | "unauthorized" | "token_expired" | "wrong_game" | "spectating" | "not_your_turn" | "already_dug" | "no_game" | "no_such_room" | "unknown_code" | "room_full";

export type SeatView = { seat: number, name: string, avatar: string, bot: boolean, 
/**
 * Ready for the next round.
 */
ready: boolean, 
/**
 * The player's connection dropped; the seat is held for them to resume.
 */
away: boolean, total: number, streak: number, };

export type SharedClientFrame = { "type": "hello", name?: string, avatar?: string, } | { "type": "join", } | { "type": "leave", } | { "type": "ping", };

export type SharedServerFrame = { "type": "hi", room: string, seat: number, size: number, 
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
resumed: boolean, } | { "type": "room", phase: RoomPhase, seats: Array<SeatView>, } | { "type": "error", code: ErrorCode, message: string, } | { "type": "pong", } | { "type": "watching", room: string, 
/**
 * The game's name (`rps`, `dig`, `chat`, …).
 */
game: GameKind, size: number, };

export type Choice = "rock" | "paper" | "scissors";

export type Face = "laugh" | "cry" | "angry" | "smirk";

export type MovementKind = "choice" | "face";

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

export type RpsClientFrame = { "type": "choice", choice: Choice, } | { "type": "face", face: Face, };

export type RpsServerFrame = { "type": "state", phase: RoomPhase, round: number, 
/**
 * Milliseconds left in the running round, if one runs.
 */
ends_in_ms: number | null, seats: Array<SeatView>, 
/**
 * Your own hand in the running round, if you chose one.
 */
choice: Choice | null, } | { "type": "start", round: number, round_ms: number, 
/**
 * Milliseconds until the server settles the round.
 */
ends_in_ms: number, seats: Array<SeatView>, } | { "type": "movement", seat: number, what: MovementKind, face?: Face | null, } | { "type": "result", round: number, seats: Array<SeatResult>, };

export type SeatGold = { seat: number, gold: number, };

export type Cell = { x: number, y: number, n: number, gold: boolean, };

export type DigClientFrame = { "type": "dig", x: number, y: number, };

export type DigServerFrame = { "type": "board", game: number, width: number, height: number, 
/**
 * One string per row: `.` undug, `0`–`8` dug (gold among the 8 neighbours),
 * `$` dug gold.
 */
rows: Array<string>, gold_left: number, 
/**
 * Whose turn it is (`null` when no game runs).
 */
turn: number | null, turn_ends_in_ms: number | null, 
/**
 * Gold dug per seat, by seat.
 */
scores: Array<SeatGold>, } | { "type": "dug", seat: number, x: number, y: number, gold: boolean, revealed: Array<Cell>, gold_left: number, scores: Array<SeatGold>, } | { "type": "turn", seat: number, ends_in_ms: number, skipped?: number | null, } | { "type": "game_over", game: number, winners: Array<number>, scores: Array<SeatGold>, };

export type PresenceEvent = "entered" | "left";

export type ChatLine = { seat: number, name: string, text: string, at: number, };

export type ChatClientFrame = { "type": "say", text: string, };

export type ChatServerFrame = { "type": "said", seat: number, name: string, text: string, 
/**
 * Server time, ms since the epoch.
 */
at: number, } | { "type": "presence", name: string, event: PresenceEvent, online: number, } | { "type": "history", messages: Array<ChatLine>, } | { "type": "announcement", text: string, at: number, };

/** Every frame a client may send: the shared ones and each game's. */
export type ClientFrame = SharedClientFrame | RpsClientFrame | DigClientFrame | ChatClientFrame;

/** Every frame the server sends: the shared ones and each game's. */
export type ServerFrame = SharedServerFrame | RpsServerFrame | DigServerFrame | ChatServerFrame;
