/**
 * Delay before reconnect attempt `attempt` (0-based): exponential, capped, with "equal
 * jitter" (half fixed, half random) so a crowd of clients dropped together does not
 * come back in lockstep.
 * @param {number} attempt
 * @param {number} baseMs
 * @param {number} maxMs
 * @param {() => number} [random]
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random?: () => number): number;
export namespace DEFAULTS {
    let heartbeatMs: number;
    let heartbeatTimeoutMs: number;
    let connectTimeoutMs: number;
    let backoffBaseMs: number;
    let backoffMaxMs: number;
    let queueLimit: number;
    let minUptimeMs: number;
    let maxRetries: number;
}
/** The real clock. @type {Clock} */
export const systemClock: Clock;
/** The subprotocol offered beside `bearer.<token>`; the server answers with it. */
export const SUBPROTOCOL: "edge-arena";
export class ArenaClient {
    /** @param {ArenaOptions} options */
    constructor(options: ArenaOptions);
    url: string;
    game: "rps" | "dig" | "chat";
    /** @type {string | null} the private room's code (normalized), when joining by code */
    join: string | null;
    /** @type {string | true | null} the room watched (`true`: the private room `join` opens) */
    watch: string | true | null;
    /** @private */
    private transport;
    /** @type {string | null} the session token @private */
    private session;
    /** @private */
    private auth;
    /** @private */
    private refreshSession;
    /** @private */
    private authorizing;
    /** @private */
    private authFailures;
    /** @private */
    private profile;
    /** @private */
    private clock;
    /** @private */
    private random;
    /** @type {Required<Pick<ArenaOptions, keyof typeof DEFAULTS>>} */
    options: Required<Pick<ArenaOptions, keyof typeof DEFAULTS>>;
    /** @type {ConnectionState} */
    state: ConnectionState;
    /** @type {string | null} the resume token from `hi` */
    token: string | null;
    /** @type {number | null} */
    seat: number | null;
    /** @type {string | null} */
    room: string | null;
    /** reconnect attempts since a connection last stayed open minUptimeMs @private */
    private attempt;
    /** @type {string[]} @private */
    private queue;
    /** @type {Map<string, Set<(value: any) => void>>} @private */
    private listeners;
    /** @type {TransportSocket | null} @private */
    private socket;
    /** @type {Record<string, unknown>} @private */
    private timers;
    /** the app asked to stop (close() or leave()) @private */
    private stopping;
    /** the last result told to the app (see `received`) @type {{ room: string | null, round: number } | null} @private */
    private lastResult;
    /** the app is in the background (as the transport reports it) @private */
    private hidden;
    /** a connection was open and got lost; cleared by the next open @private */
    private dropped;
    /** @type {(() => void) | null} @private */
    private unlisten;
    /** when the app last came back to the foreground @type {number | null} @private */
    private shownAt;
    /**
     * Subscribes to an event (see ArenaEvents): a frame type (`'result'`, `'state'`, …),
     * `'frame'`, `'connection'`, `'drop'`, `'reconnect'`, `'close'`, `'dropped'` or
     * `'auth_error'`. Returns the unsubscribe function.
     * @template {keyof ArenaEvents} K
     * @param {K} type
     * @param {(value: ArenaEvents[K]) => void} fn
     * @returns {() => void}
     */
    on<K extends keyof ArenaEvents>(type: K, fn: (value: ArenaEvents[K]) => void): () => void;
    /**
     * Unsubscribes a listener added with `on` (or `once`).
     * @template {keyof ArenaEvents} K
     * @param {K} type
     * @param {(value: ArenaEvents[K]) => void} fn
     */
    off<K extends keyof ArenaEvents>(type: K, fn: (value: ArenaEvents[K]) => void): void;
    /**
     * Like `on`, for the next event of that type only.
     * @template {keyof ArenaEvents} K
     * @param {K} type
     * @param {(value: ArenaEvents[K]) => void} fn
     * @returns {() => void}
     */
    once<K extends keyof ArenaEvents>(type: K, fn: (value: ArenaEvents[K]) => void): () => void;
    /**
     * @template {keyof ArenaEvents} K
     * @param {K} type
     * @param {ArenaEvents[K]} value
     * @private
     */
    private emit;
    /**
     * @param {ConnectionState} state
     * @private
     */
    private setState;
    /**
     * Opens the connection (with the resume token, once there is one). With an `auth`
     * callback and no session token yet, gets one first.
     */
    connect(): void;
    /**
     * Asks `auth` for a session token, then connects. A refusal (e.g. 503
     * `not_configured`, 401 `invalid_code`) counts toward the bounded auth retries; a
     * network failure or a busy server is retried like any failed connection.
     * @param {(opts: { refresh: boolean }) => Promise<string>} auth
     * @private
     */
    private authorize;
    /**
     * A login failed or the server refused the token: try again with a fresh token after
     * a backoff, unless that keeps failing (or there is no way to get one).
     * @param {string} code
     * @param {unknown} error
     * @private
     */
    private authRefused;
    /**
     * Reconnects now if the connection is down (skipping the backoff wait). Also called
     * when the app comes back to the foreground.
     */
    wake(): void;
    /**
     * Drops the current connection (if any) and connects again at once, resuming the
     * seat while a resume token is held. Also starts a closed client again.
     */
    reconnect(): void;
    /**
     * Sends a frame now, or queues it until the connection is back. Returns false if the
     * client is closed. A full queue drops its oldest frame (emitted as 'dropped').
     * @param {ClientFrame} frame
     * @returns {boolean}
     */
    send(frame: ClientFrame): boolean;
    /**
     * Gives up the seat (`leave`): the server closes the connection and the client stays
     * closed, whatever the close code.
     */
    leave(): void;
    /** Closes for good, without leaving (the seat is held for the grace window). */
    close(): void;
    /**
     * The URL of the next connection: the resume token, or what to be matched into.
     * @private
     */
    private socketUrl;
    /**
     * Subscribes to the transport's app lifecycle, once per run of the client.
     * @private
     */
    private listen;
    /** @private */
    private onHide;
    /** @private */
    private onShow;
    /** @private */
    private opened;
    /**
     * @param {string} text
     * @private
     */
    private received;
    /**
     * @param {ServerFrame} frame
     * @private
     */
    private emitFrame;
    /**
     * The socket closed.
     * @param {number} code
     * @param {string} reason
     * @private
     */
    private lost;
    /**
     * Stops for good.
     * @param {number} code
     * @param {string} reason
     * @private
     */
    private finish;
    /**
     * Drops the current socket without waiting for its close and reconnects.
     * @param {number} [delay]
     * @param {CloseInfo} [why] what a listener of 'drop' is told, if the socket was open
     * @private
     */
    private abandon;
    /**
     * Lets go of the current socket (closing it) and of every timer.
     * @param {string} reason
     * @private
     */
    private dropSocket;
    /**
     * Schedules the next connection attempt: after the backoff delay (or `delay`), not
     * while the app is hidden (it comes on show), and not past `maxRetries`.
     * @param {number} [delay]
     * @param {CloseInfo} [last] the close that led here
     * @private
     */
    private retry;
    /**
     * Sends a heartbeat every heartbeatMs while open.
     * @private
     */
    private beat;
    /**
     * Something arrived: the connection lives for another heartbeatTimeoutMs.
     * @private
     */
    private alive;
    /**
     * @param {string} name
     * @param {number} ms
     * @param {() => void} fn
     * @private
     */
    private setTimer;
    /**
     * @param {string} name
     * @private
     */
    private clearTimer;
    /** @private */
    private stopTimers;
}
export type ServerFrame = import("./protocol.js").ServerFrame;
export type ClientFrame = import("./protocol.js").ClientFrame;
/**
 * What a transport returns for one connection attempt. The client sets the `on*`
 * callbacks right after creating it.
 */
export type TransportSocket = {
    send: (text: string) => void;
    close: (code?: number, reason?: string) => void;
    onopen?: (() => void) | undefined;
    onmessage?: ((text: string) => void) | undefined;
    onclose?: ((code: number, reason: string) => void) | undefined;
    onerror?: ((err: unknown) => void) | undefined;
};
/**
 * The app's visibility, as a transport reports it: `listen(onHide, onShow)` subscribes
 * and returns the unsubscribe function.
 */
export type Lifecycle = (onHide: () => void, onShow: () => void) => (() => void);
/**
 * Opens one socket. `lifecycle`, when present, reports the app going to the background
 * and coming back.
 */
export type Transport = ((url: string, protocols?: string[]) => TransportSocket) & {
    lifecycle?: Lifecycle;
};
/**
 * Time and timers (tests pass a fake clock).
 */
export type Clock = {
    now: () => number;
    setTimeout: (fn: () => void, ms: number) => unknown;
    clearTimeout: (id: any) => void;
};
export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";
/**
 * A close: the WebSocket close code and reason (or, for closes the client decides on
 * itself, the code it acts on and a reason such as `max_retries`).
 */
export type CloseInfo = {
    code: number;
    reason: string;
};
/**
 * A refused or failed login.
 */
export type AuthErrorInfo = {
    /**
     * the server's error code (`unauthorized`, `token_expired`, or
     * from the login API: `not_configured`, `invalid_code`, `guests_disabled`, …; `network`
     * when the request did not get through)
     */
    code: string;
    /**
     * what the `auth` callback threw, or the server's error frame
     */
    error: unknown;
    /**
     * true when the client gives up (it closes with 4003)
     */
    final: boolean;
};
/**
 * Every frame type, by its `type`.
 */
export type FrameEvents = { [K in ServerFrame["type"]]: Extract<ServerFrame, {
    type: K;
}>; };
/**
 * The events of an ArenaClient and what their listeners get:
 * - each server frame type (`'hi'`, `'start'`, `'result'`, `'error'`, …): that frame;
 * - `'frame'`: every frame;
 * - `'connection'`: the new state (`idle`, `connecting`, `open`, `reconnecting`, `closed`);
 * - `'drop'`: a connection was lost and the client will reconnect (`{code, reason}`);
 * - `'reconnect'`: a connection is open again after a drop (`{attempts}`);
 * - `'close'`: the client stopped for good (`{code, reason}`);
 * - `'dropped'`: a queued frame was dropped because the queue was full;
 * - `'auth_error'`: a login failed or the server refused the token.
 */
export type ArenaEvents = FrameEvents & {
    frame: ServerFrame;
    connection: ConnectionState;
    drop: CloseInfo;
    reconnect: {
        attempts: number;
    };
    close: CloseInfo;
    dropped: ClientFrame;
    auth_error: AuthErrorInfo;
};
export type ArenaOptions = {
    /**
     * WebSocket endpoint, e.g. 'wss://arena.example.com/ws'
     */
    url: string;
    /**
     * `wxTransport(wx)` or `browserTransport()`
     */
    transport: Transport;
    /**
     * a session token
     */
    token?: string | undefined;
    /**
     * gets a session token
     * (e.g. wx.login + POST /api/login); `refresh` asks for a new one
     */
    auth?: ((opts: {
        refresh: boolean;
    }) => Promise<string>) | undefined;
    /**
     * the game to be matched into (default rps)
     */
    game?: "rps" | "dig" | "chat" | undefined;
    /**
     * a private room's code (from `openPrivateRoom`, or a friend's
     * link): sit down in that room instead of being matched. Case, spaces and dashes do not
     * matter; anything that cannot be a code throws
     */
    join?: string | undefined;
    /**
     * a room to watch as a spectator instead of playing;
     * with `join`, `true` watches that private room
     */
    watch?: string | true | undefined;
    name?: string | undefined;
    avatar?: string | undefined;
    /**
     * ping this often while open (15000)
     */
    heartbeatMs?: number | undefined;
    /**
     * replace a connection silent for this long (40000)
     */
    heartbeatTimeoutMs?: number | undefined;
    /**
     * give up on a socket not open after this long (10000)
     */
    connectTimeoutMs?: number | undefined;
    /**
     * first reconnect delay, doubled per attempt (500)
     */
    backoffBaseMs?: number | undefined;
    /**
     * the longest reconnect delay (15000)
     */
    backoffMaxMs?: number | undefined;
    /**
     * frames kept while not connected (32)
     */
    queueLimit?: number | undefined;
    /**
     * a connection open this long resets the backoff and
     * the retry count (5000)
     */
    minUptimeMs?: number | undefined;
    /**
     * reconnect attempts in a row before giving up with
     * `close {reason: 'max_retries'}` (Infinity)
     */
    maxRetries?: number | undefined;
    clock?: Clock | undefined;
    random?: (() => number) | undefined;
};
