// Edge Arena client SDK: one connection to a room, kept alive through the network.
//
// The core knows nothing about WebSocket APIs: a *transport* opens a socket (see
// transports.js for WeChat's wx.connectSocket and the browser's WebSocket), and a
// *clock* supplies time and timers (tests pass a fake one). What it does:
//
// - heartbeats: sends the exact ping frame every `heartbeatMs`; if nothing at all arrives
//   for `heartbeatTimeoutMs` the connection is presumed dead and replaced;
// - reconnect with exponential backoff and jitter, up to `maxRetries` attempts in a row;
//   the count starts over once a connection has stayed open `minUptimeMs` (a server
//   that accepts and drops at once does not get hammered); `wake()` and `reconnect()`
//   skip the wait;
// - app lifecycle: a transport that knows the app's visibility (wxTransport wires
//   wx.onAppHide / wx.onAppShow) tells the client, which makes no attempt while hidden
//   (WeChat refuses network calls in the background) and reconnects at once on show;
// - closes: a close is final only when the app asked for it (`close()`, `leave()`) or
//   when the server's code means stop (4001 replaced, 1009 too big, 4003 once the
//   bounded auth retries are spent). Everything else reconnects and resumes, including
//   WeChat's own 1000 "interrupted" for a backgrounded mini-program;
// - identity: a session token (from POST /api/login after wx.login, or /api/guest) is
//   sent as the subprotocol `bearer.<token>`, never in the URL; with an `auth` callback
//   the client fetches one itself and fetches a fresh one when the server refuses it
//   (after 3 refusals in a row it gives up: close 4003);
// - resume: keeps the resume token from `hi` and reconnects with it, so the server gives
//   the seat back; `seat_gone` (or close 4002) drops it and matches anew (or, with a
//   `join` code, goes back into that private room);
// - private rooms: `join: code` sits down in a friend's room (see rooms.js); a code that
//   opens nothing (`unknown_code`, `room_full`, close 4004) is final;
// - a bounded send queue while not connected (oldest frames dropped first);
// - typed events: `on('result', frame => …)` for each frame type, plus the client's own
//   events (see ArenaEvents below).
//
// Frame types are generated from the server's Rust types: ./protocol.d.ts.

import { CLOSE_CODES, PING_FRAME } from './codes.js';
import { normalizeCode } from './rooms.js';

/** @typedef {import('./protocol.js').ServerFrame} ServerFrame */
/** @typedef {import('./protocol.js').ClientFrame} ClientFrame */

/**
 * What a transport returns for one connection attempt. The client sets the `on*`
 * callbacks right after creating it.
 * @typedef {object} TransportSocket
 * @property {(text: string) => void} send
 * @property {(code?: number, reason?: string) => void} close
 * @property {() => void} [onopen]
 * @property {(text: string) => void} [onmessage]
 * @property {(code: number, reason: string) => void} [onclose]
 * @property {(err: unknown) => void} [onerror]
 */

/**
 * The app's visibility, as a transport reports it: `listen(onHide, onShow)` subscribes
 * and returns the unsubscribe function.
 * @typedef {(onHide: () => void, onShow: () => void) => (() => void)} Lifecycle
 */

/**
 * Opens one socket. `lifecycle`, when present, reports the app going to the background
 * and coming back.
 * @typedef {((url: string, protocols?: string[]) => TransportSocket) & { lifecycle?: Lifecycle }} Transport
 */

/**
 * Time and timers (tests pass a fake clock).
 * @typedef {object} Clock
 * @property {() => number} now
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(id: any) => void} clearTimeout
 */

/** @typedef {'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'} ConnectionState */

/**
 * A close: the WebSocket close code and reason (or, for closes the client decides on
 * itself, the code it acts on and a reason such as `max_retries`).
 * @typedef {object} CloseInfo
 * @property {number} code
 * @property {string} reason
 */

/**
 * A refused or failed login.
 * @typedef {object} AuthErrorInfo
 * @property {string} code the server's error code (`unauthorized`, `token_expired`, or
 *   from the login API: `not_configured`, `invalid_code`, `guests_disabled`, …; `network`
 *   when the request did not get through)
 * @property {unknown} error what the `auth` callback threw, or the server's error frame
 * @property {boolean} final true when the client gives up (it closes with 4003)
 */

/**
 * Every frame type, by its `type`.
 * @typedef {{ [K in ServerFrame['type']]: Extract<ServerFrame, { type: K }> }} FrameEvents
 */

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
 * @typedef {FrameEvents & {
 *   frame: ServerFrame,
 *   connection: ConnectionState,
 *   drop: CloseInfo,
 *   reconnect: { attempts: number },
 *   close: CloseInfo,
 *   dropped: ClientFrame,
 *   auth_error: AuthErrorInfo,
 * }} ArenaEvents
 */

/**
 * @typedef {object} ArenaOptions
 * @property {string} url WebSocket endpoint, e.g. 'wss://arena.example.com/ws'
 * @property {Transport} transport `wxTransport(wx)` or `browserTransport()`
 * @property {string} [token] a session token
 * @property {(opts: { refresh: boolean }) => Promise<string>} [auth] gets a session token
 *   (e.g. wx.login + POST /api/login); `refresh` asks for a new one
 * @property {'rps' | 'dig' | 'chat'} [game] the game to be matched into (default rps)
 * @property {string} [join] a private room's code (from `openPrivateRoom`, or a friend's
 *   link): sit down in that room instead of being matched. Case, spaces and dashes do not
 *   matter; anything that cannot be a code throws
 * @property {string | true} [watch] a room to watch as a spectator instead of playing;
 *   with `join`, `true` watches that private room
 * @property {string} [name]
 * @property {string} [avatar]
 * @property {number} [heartbeatMs] ping this often while open (15000)
 * @property {number} [heartbeatTimeoutMs] replace a connection silent for this long (40000)
 * @property {number} [connectTimeoutMs] give up on a socket not open after this long (10000)
 * @property {number} [backoffBaseMs] first reconnect delay, doubled per attempt (500)
 * @property {number} [backoffMaxMs] the longest reconnect delay (15000)
 * @property {number} [queueLimit] frames kept while not connected (32)
 * @property {number} [minUptimeMs] a connection open this long resets the backoff and
 *   the retry count (5000)
 * @property {number} [maxRetries] reconnect attempts in a row before giving up with
 *   `close {reason: 'max_retries'}` (Infinity)
 * @property {Clock} [clock]
 * @property {() => number} [random]
 */

export const DEFAULTS = {
  heartbeatMs: 15_000,
  heartbeatTimeoutMs: 40_000,
  connectTimeoutMs: 10_000,
  backoffBaseMs: 500,
  backoffMaxMs: 15_000,
  queueLimit: 32,
  minUptimeMs: 5_000,
  maxRetries: Infinity,
};

/** The real clock. @type {Clock} */
export const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential, capped, with "equal
 * jitter" (half fixed, half random) so a crowd of clients dropped together does not
 * come back in lockstep.
 * @param {number} attempt
 * @param {number} baseMs
 * @param {number} maxMs
 * @param {() => number} [random]
 */
export function backoffDelay(attempt, baseMs, maxMs, random = Math.random) {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** The subprotocol offered beside `bearer.<token>`; the server answers with it. */
export const SUBPROTOCOL = 'edge-arena';
/** Error codes that mean "get a new session token". */
const AUTH_ERRORS = new Set(['unauthorized', 'token_expired']);
/** Refusals in a row after which the client stops asking for new tokens. */
const MAX_AUTH_FAILURES = 3;
/** Close codes after which reconnecting would be wrong, whoever asked. */
const FINAL_CODES = new Set([CLOSE_CODES.Replaced, CLOSE_CODES.TooBig, CLOSE_CODES.NoEntry]);

/** @type {Record<string, 'string' | 'function' | 'count' | 'ms' | 'retries' | 'clock' | 'code' | 'watch'>} */
const OPTION_KINDS = {
  url: 'string',
  transport: 'function',
  token: 'string',
  auth: 'function',
  game: 'string',
  join: 'code',
  watch: 'watch',
  name: 'string',
  avatar: 'string',
  heartbeatMs: 'ms',
  heartbeatTimeoutMs: 'ms',
  connectTimeoutMs: 'ms',
  backoffBaseMs: 'ms',
  backoffMaxMs: 'ms',
  queueLimit: 'count',
  minUptimeMs: 'ms',
  maxRetries: 'retries',
  clock: 'clock',
  random: 'function',
};
const REQUIRED = ['url', 'transport'];

/**
 * Throws a TypeError naming the first unknown or ill-typed option.
 * @param {Record<string, unknown>} options
 */
function validate(options) {
  if (!options || typeof options !== 'object') throw new TypeError('ArenaClient: options must be an object');
  for (const [key, value] of Object.entries(options)) {
    const kind = OPTION_KINDS[key];
    if (!kind) {
      const near = Object.keys(OPTION_KINDS).find((k) => k.toLowerCase() === key.toLowerCase());
      throw new TypeError(`ArenaClient: unknown option "${key}"${near ? ` (did you mean "${near}"?)` : ''}`);
    }
    if (value === undefined || value === null) continue;
    const ok = kind === 'string' ? typeof value === 'string'
      : kind === 'code' ? normalizeCode(value) !== null
      : kind === 'watch' ? typeof value === 'string' || value === true
      : kind === 'function' ? typeof value === 'function'
        : kind === 'ms' ? typeof value === 'number' && Number.isFinite(value) && value >= 0
          : kind === 'count' ? Number.isInteger(value) && /** @type {number} */ (value) >= 0
            : kind === 'retries' ? value === Infinity || (Number.isInteger(value) && /** @type {number} */ (value) >= 0)
              : typeof value === 'object' && value !== null && typeof (/** @type {any} */ (value)).setTimeout === 'function';
    if (!ok) throw new TypeError(`ArenaClient: option "${key}" has a bad value: ${String(value)}`);
  }
  for (const key of REQUIRED) {
    if (options[key] == null) throw new TypeError(`ArenaClient: option "${key}" is required`);
  }
  if (options.watch === true && options.join == null) {
    throw new TypeError('ArenaClient: option "watch" is true but there is no "join" code to watch');
  }
  if (typeof options.watch === 'string' && options.join != null) {
    throw new TypeError('ArenaClient: options "join" and "watch" name two rooms; with a code, use watch: true');
  }
}

/**
 * A LoginError worth retrying as an ordinary connection failure (the network, a busy
 * server), as opposed to a refusal that another try will not change.
 * @param {any} err
 */
function transientLoginFailure(err) {
  const status = err?.status;
  if (typeof status !== 'number') return false;
  return status === 0 || status === 429 || (status >= 500 && err.error !== 'not_configured');
}

export class ArenaClient {
  /** @param {ArenaOptions} options */
  constructor(options) {
    validate(/** @type {any} */ (options));
    const { url, transport, token, auth, game, join, watch, name, avatar, clock = systemClock, random = Math.random } = options;
    this.url = url;
    this.game = game ?? 'rps';
    /** @type {string | null} the private room's code (normalized), when joining by code */
    this.join = join == null ? null : normalizeCode(join);
    /** @type {string | true | null} the room watched (`true`: the private room `join` opens) */
    this.watch = watch ?? null;
    /** @private */
    this.transport = transport;
    /** @type {string | null} the session token @private */
    this.session = token ?? null;
    /** @private */
    this.auth = auth ?? null;
    /** @private */
    this.refreshSession = false;
    /** @private */
    this.authorizing = false;
    /** @private */
    this.authFailures = 0;
    /** @private */
    this.profile = { name, avatar };
    /** @private */
    this.clock = clock;
    /** @private */
    this.random = random;
    /** @type {Required<Pick<ArenaOptions, keyof typeof DEFAULTS>>} */
    this.options = { ...DEFAULTS };
    for (const key of /** @type {(keyof typeof DEFAULTS)[]} */ (Object.keys(DEFAULTS))) {
      if (options[key] != null) this.options[key] = /** @type {number} */ (options[key]);
    }
    /** @type {ConnectionState} */
    this.state = 'idle';
    /** @type {string | null} the resume token from `hi` */
    this.token = null;
    /** @type {number | null} */
    this.seat = null;
    /** @type {string | null} */
    this.room = null;
    /** reconnect attempts since a connection last stayed open minUptimeMs @private */
    this.attempt = 0;
    /** @type {string[]} @private */
    this.queue = [];
    /** @type {Map<string, Set<(value: any) => void>>} @private */
    this.listeners = new Map();
    /** @type {TransportSocket | null} @private */
    this.socket = null;
    /** @type {Record<string, unknown>} @private */
    this.timers = {};
    /** the app asked to stop (close() or leave()) @private */
    this.stopping = false;
    /** the last result told to the app (see `received`) @type {{ room: string | null, round: number } | null} @private */
    this.lastResult = null;
    /** the app is in the background (as the transport reports it) @private */
    this.hidden = false;
    /** a connection was open and got lost; cleared by the next open @private */
    this.dropped = false;
    /** @type {(() => void) | null} @private */
    this.unlisten = null;
    /** when the app last came back to the foreground @type {number | null} @private */
    this.shownAt = null;
  }

  /**
   * Subscribes to an event (see ArenaEvents): a frame type (`'result'`, `'state'`, …),
   * `'frame'`, `'connection'`, `'drop'`, `'reconnect'`, `'close'`, `'dropped'` or
   * `'auth_error'`. Returns the unsubscribe function.
   * @template {keyof ArenaEvents} K
   * @param {K} type
   * @param {(value: ArenaEvents[K]) => void} fn
   * @returns {() => void}
   */
  on(type, fn) {
    if (typeof fn !== 'function') throw new TypeError(`ArenaClient.on('${String(type)}'): the listener must be a function`);
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn);
    return () => this.off(type, fn);
  }

  /**
   * Unsubscribes a listener added with `on` (or `once`).
   * @template {keyof ArenaEvents} K
   * @param {K} type
   * @param {(value: ArenaEvents[K]) => void} fn
   */
  off(type, fn) {
    const set = this.listeners.get(type);
    if (!set) return;
    set.delete(fn);
    for (const wrapper of set) {
      if (/** @type {any} */ (wrapper).listener === fn) set.delete(wrapper);
    }
  }

  /**
   * Like `on`, for the next event of that type only.
   * @template {keyof ArenaEvents} K
   * @param {K} type
   * @param {(value: ArenaEvents[K]) => void} fn
   * @returns {() => void}
   */
  once(type, fn) {
    /** @type {((value: ArenaEvents[K]) => void) & { listener?: Function }} */
    const wrapper = (value) => {
      this.off(type, wrapper);
      fn(value);
    };
    wrapper.listener = fn;
    return this.on(type, wrapper);
  }

  /**
   * @template {keyof ArenaEvents} K
   * @param {K} type
   * @param {ArenaEvents[K]} value
   * @private
   */
  emit(type, value) {
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn(value);
  }

  /**
   * @param {ConnectionState} state
   * @private
   */
  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('connection', state);
  }

  /**
   * Opens the connection (with the resume token, once there is one). With an `auth`
   * callback and no session token yet, gets one first.
   */
  connect() {
    if (this.state === 'open' || this.state === 'connecting' || this.authorizing) return;
    if (this.state === 'closed') {
      // Started again by the app after a final close.
      this.stopping = false;
      this.attempt = 0;
      this.authFailures = 0;
      this.setState('idle');
    }
    this.listen();
    this.clearTimer('retry');
    if (this.auth && (!this.session || this.refreshSession)) {
      this.authorize(this.auth);
      return;
    }
    this.setState(this.attempt === 0 && !this.token && !this.dropped ? 'connecting' : 'reconnecting');
    const protocols = this.session ? [SUBPROTOCOL, `bearer.${this.session}`] : undefined;
    const socket = this.transport(this.socketUrl(), protocols);
    this.socket = socket;
    // Events of a socket we already gave up on are ignored.
    /** @type {<A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => void} */
    const mine = (fn) => (...args) => { if (this.socket === socket) fn(...args); };
    socket.onopen = mine(() => this.opened());
    socket.onmessage = mine((text) => this.received(text));
    socket.onclose = mine((code, reason) => this.lost(code, reason));
    socket.onerror = mine(() => {});
    this.setTimer('connect', this.options.connectTimeoutMs, () => this.abandon());
  }

  /**
   * Asks `auth` for a session token, then connects. A refusal (e.g. 503
   * `not_configured`, 401 `invalid_code`) counts toward the bounded auth retries; a
   * network failure or a busy server is retried like any failed connection.
   * @param {(opts: { refresh: boolean }) => Promise<string>} auth
   * @private
   */
  authorize(auth) {
    this.authorizing = true;
    const refresh = this.refreshSession;
    Promise.resolve()
      .then(() => auth({ refresh }))
      .then(
        (token) => {
          this.authorizing = false;
          if (this.state === 'closed') return;
          this.session = token;
          this.refreshSession = false;
          this.connect();
        },
        (err) => {
          this.authorizing = false;
          if (this.state === 'closed') return;
          const code = typeof err?.error === 'string' ? err.error : 'auth_failed';
          if (transientLoginFailure(err)) {
            this.emit('auth_error', { code, error: err, final: false });
            this.retry();
            return;
          }
          this.authRefused(code, err);
        },
      );
  }

  /**
   * A login failed or the server refused the token: try again with a fresh token after
   * a backoff, unless that keeps failing (or there is no way to get one).
   * @param {string} code
   * @param {unknown} error
   * @private
   */
  authRefused(code, error) {
    this.authFailures += 1;
    const final = !this.auth || this.authFailures >= MAX_AUTH_FAILURES;
    this.emit('auth_error', { code, error, final });
    if (final) {
      this.finish(CLOSE_CODES.Unauthorized, code);
      return;
    }
    this.refreshSession = true;
    const wait = backoffDelay(this.authFailures, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random);
    this.abandon(wait, { code: CLOSE_CODES.Unauthorized, reason: code });
  }

  /**
   * Reconnects now if the connection is down (skipping the backoff wait). Also called
   * when the app comes back to the foreground.
   */
  wake() {
    if (this.state === 'reconnecting' && !this.socket && !this.authorizing) {
      this.attempt = 0;
      this.connect();
    } else if (this.state === 'open' && this.socket) {
      // A socket may have died while the app was away without telling us yet: a ping
      // gets a pong within the connect timeout, or the socket is replaced.
      this.socket.send(PING_FRAME);
      this.setTimer('dead', this.options.connectTimeoutMs, () => this.abandon(0));
    }
  }

  /**
   * Drops the current connection (if any) and connects again at once, resuming the
   * seat while a resume token is held. Also starts a closed client again.
   */
  reconnect() {
    if (this.state !== 'closed') {
      if (this.state === 'open') this.dropped = true;
      this.dropSocket('reconnecting');
      this.setState('reconnecting');
      this.attempt = 0;
    }
    this.hidden = false;
    this.connect();
  }

  /**
   * Sends a frame now, or queues it until the connection is back. Returns false if the
   * client is closed. A full queue drops its oldest frame (emitted as 'dropped').
   * @param {ClientFrame} frame
   * @returns {boolean}
   */
  send(frame) {
    if (this.state === 'closed') return false;
    const text = JSON.stringify(frame);
    if (this.state === 'open' && this.socket) {
      this.socket.send(text);
      return true;
    }
    this.queue.push(text);
    while (this.queue.length > this.options.queueLimit) this.emit('dropped', JSON.parse(/** @type {string} */ (this.queue.shift())));
    return true;
  }

  /**
   * Gives up the seat (`leave`): the server closes the connection and the client stays
   * closed, whatever the close code.
   */
  leave() {
    if (this.state === 'closed') return;
    this.send({ type: 'leave' });
    this.stopping = true;
  }

  /** Closes for good, without leaving (the seat is held for the grace window). */
  close() {
    if (this.state === 'closed') return;
    this.stopping = true;
    this.finish(1000, 'client closed');
  }

  /**
   * The URL of the next connection: the resume token, or what to be matched into.
   * @private
   */
  socketUrl() {
    const query = [];
    if (this.token) query.push(`resume=${encodeURIComponent(this.token)}`);
    else if (typeof this.watch === 'string') query.push(`watch=${encodeURIComponent(this.watch)}`);
    else {
      // A code names the room (and so its game); the server takes the profile with it.
      if (this.join) query.push(`join=${this.join}`);
      if (this.join && this.watch === true) query.push('watch=1');
      if (this.profile.name) query.push(`name=${encodeURIComponent(this.profile.name)}`);
      if (this.profile.avatar) query.push(`avatar=${encodeURIComponent(this.profile.avatar)}`);
      if (!this.join && this.game && this.game !== 'rps') query.push(`game=${encodeURIComponent(this.game)}`);
    }
    return query.length ? `${this.url}${this.url.includes('?') ? '&' : '?'}${query.join('&')}` : this.url;
  }

  /**
   * Subscribes to the transport's app lifecycle, once per run of the client.
   * @private
   */
  listen() {
    if (this.unlisten || !this.transport.lifecycle) return;
    this.unlisten = this.transport.lifecycle(() => this.onHide(), () => this.onShow());
  }

  /** @private */
  onHide() {
    this.hidden = true;
  }

  /** @private */
  onShow() {
    if (!this.hidden) return;
    this.hidden = false;
    this.shownAt = this.clock.now();
    this.wake();
  }

  /** @private */
  opened() {
    this.clearTimer('connect');
    const attempts = this.attempt;
    // The attempts start over once this connection has proved itself.
    this.setTimer('uptime', this.options.minUptimeMs, () => { this.attempt = 0; });
    this.setState('open');
    const queued = this.queue;
    this.queue = [];
    const socket = /** @type {TransportSocket} */ (this.socket);
    for (const text of queued) socket.send(text);
    this.beat();
    this.alive();
    if (this.dropped) {
      this.dropped = false;
      this.emit('reconnect', { attempts });
    }
  }

  /**
   * @param {string} text
   * @private
   */
  received(text) {
    this.alive();
    /** @type {ServerFrame} */
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== 'string') return;
    if (frame.type === 'result') {
      // A resume between rounds brings the last round's result again (the first copy
      // may have died with the old socket): a round already told is not told twice.
      const told = this.lastResult;
      if (told && told.room === this.room && told.round === frame.round) return;
      this.lastResult = { room: this.room, round: frame.round };
    }
    if (frame.type === 'hi') {
      this.authFailures = 0;
      this.token = frame.resume;
      this.seat = frame.seat;
      this.room = frame.room;
    }
    this.emitFrame(frame);
    if (frame.type !== 'error') return;
    if (frame.code === 'seat_gone') {
      // The seat is gone: forget it and be matched anew, without waiting for the close.
      this.token = null;
      this.seat = null;
      this.abandon(0, { code: CLOSE_CODES.SeatGone, reason: frame.code });
    } else if (frame.code === 'no_such_room') {
      // A watch of a room that does not exist: trying again will not make it exist.
      this.finish(CLOSE_CODES.Normal, frame.code);
    } else if (frame.code === 'unknown_code' || frame.code === 'room_full') {
      // A private room's code that opens nothing (or no seat): the server closes with
      // 4004, and trying again will not change the answer.
      this.finish(CLOSE_CODES.NoEntry, frame.code);
    } else if (AUTH_ERRORS.has(frame.code)) {
      this.authRefused(frame.code, frame);
    }
  }

  /**
   * @param {ServerFrame} frame
   * @private
   */
  emitFrame(frame) {
    this.emit('frame', frame);
    this.emit(frame.type, /** @type {any} */ (frame));
  }

  /**
   * The socket closed.
   * @param {number} code
   * @param {string} reason
   * @private
   */
  lost(code, reason) {
    this.stopTimers();
    this.socket = null;
    if (this.state === 'closed') return;
    if (this.stopping || FINAL_CODES.has(code)) {
      this.finish(code, reason);
      return;
    }
    if (this.state === 'open') {
      this.dropped = true;
      this.setState('reconnecting');
      this.emit('drop', { code, reason });
    }
    if (code === CLOSE_CODES.Unauthorized) {
      this.authRefused('unauthorized', { code, reason });
      return;
    }
    if (code === CLOSE_CODES.SeatGone) {
      this.token = null;
      this.seat = null;
    }
    // At once for a lost seat (be matched anew), and for a socket the background killed:
    // WeChat suspends a hidden mini-program's JS, so that close is told only once the app
    // is shown again. Anything else: after the backoff.
    const justShown = this.shownAt !== null && this.clock.now() - this.shownAt < this.options.connectTimeoutMs;
    this.retry(code === CLOSE_CODES.SeatGone || justShown ? 0 : undefined, { code, reason });
  }

  /**
   * Stops for good.
   * @param {number} code
   * @param {string} reason
   * @private
   */
  finish(code, reason) {
    this.dropSocket('done');
    this.queue = [];
    this.unlisten?.();
    this.unlisten = null;
    this.setState('closed');
    this.emit('close', { code, reason });
  }

  /**
   * Drops the current socket without waiting for its close and reconnects.
   * @param {number} [delay]
   * @param {CloseInfo} [why] what a listener of 'drop' is told, if the socket was open
   * @private
   */
  abandon(delay, why = { code: 1006, reason: 'no answer' }) {
    if (this.state === 'open') {
      this.dropped = true;
      this.setState('reconnecting');
      this.emit('drop', why);
    }
    this.dropSocket('reconnecting');
    if (this.state !== 'closed') this.retry(delay);
  }

  /**
   * Lets go of the current socket (closing it) and of every timer.
   * @param {string} reason
   * @private
   */
  dropSocket(reason) {
    const socket = this.socket;
    this.socket = null;
    this.stopTimers();
    try {
      socket?.close(1000, reason);
    } catch {
      /* already closed */
    }
  }

  /**
   * Schedules the next connection attempt: after the backoff delay (or `delay`), not
   * while the app is hidden (it comes on show), and not past `maxRetries`.
   * @param {number} [delay]
   * @param {CloseInfo} [last] the close that led here
   * @private
   */
  retry(delay, last) {
    if (this.attempt >= this.options.maxRetries) {
      this.finish(last?.code ?? 1006, 'max_retries');
      return;
    }
    this.setState('reconnecting');
    if (this.hidden) return; // onShow → wake() connects
    const wait = delay ?? backoffDelay(this.attempt, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random);
    this.attempt += 1;
    this.setTimer('retry', wait, () => this.connect());
  }

  /**
   * Sends a heartbeat every heartbeatMs while open.
   * @private
   */
  beat() {
    this.setTimer('beat', this.options.heartbeatMs, () => {
      if (this.state === 'open' && this.socket) this.socket.send(PING_FRAME);
      this.beat();
    });
  }

  /**
   * Something arrived: the connection lives for another heartbeatTimeoutMs.
   * @private
   */
  alive() {
    this.setTimer('dead', this.options.heartbeatTimeoutMs, () => this.abandon());
  }

  /**
   * @param {string} name
   * @param {number} ms
   * @param {() => void} fn
   * @private
   */
  setTimer(name, ms, fn) {
    this.clearTimer(name);
    this.timers[name] = this.clock.setTimeout(() => {
      delete this.timers[name];
      fn();
    }, ms);
  }

  /**
   * @param {string} name
   * @private
   */
  clearTimer(name) {
    if (this.timers[name] !== undefined) this.clock.clearTimeout(this.timers[name]);
    delete this.timers[name];
  }

  /** @private */
  stopTimers() {
    for (const name of Object.keys(this.timers)) this.clearTimer(name);
  }
}
