// Edge Arena client SDK: one connection to a room, kept alive through the network.
//
// The core knows nothing about WebSocket APIs: a *transport* opens a socket (see
// transports.js for WeChat's wx.connectSocket and the browser's WebSocket), and a
// *clock* supplies time and timers (tests pass a fake one). What it does:
//
// - heartbeats: sends the exact ping frame every `heartbeatMs`; if nothing at all arrives
//   for `heartbeatTimeoutMs` the connection is presumed dead and replaced;
// - reconnect with exponential backoff and jitter; `wake()` skips the wait (call it in
//   a mini-program's onShow: WeChat closes sockets of backgrounded mini-programs);
// - identity: a session token (from POST /api/login after wx.login, or /api/guest) is
//   sent as the subprotocol `bearer.<token>`, never in the URL; with an `auth` callback
//   the client fetches one itself and fetches a fresh one when the server says
//   `token_expired` or `unauthorized` (after 3 refusals in a row it gives up: close 4003);
// - resume: keeps the resume token from `hi` and reconnects with it, so the server gives
//   the seat back; a `seat_gone` answer drops it and matches anew;
// - a bounded send queue while not connected (oldest frames dropped first);
// - typed events: `on('result', frame => …)` for each frame type, plus 'connection'
//   (idle/connecting/open/reconnecting/closed), 'frame' (every frame), 'close', 'dropped'.
//
// Frame types are generated from the server's Rust types: ./protocol.d.ts.

import { CLOSE_CODES, PING_FRAME } from './codes.js';

/** @typedef {import('./protocol').ServerFrame} ServerFrame */
/** @typedef {import('./protocol').ClientFrame} ClientFrame */
/**
 * @typedef {object} TransportSocket
 * @property {(text: string) => void} send
 * @property {(code?: number, reason?: string) => void} close
 * @property {() => void} [onopen]
 * @property {(text: string) => void} [onmessage]
 * @property {(code: number, reason: string) => void} [onclose]
 * @property {(err: unknown) => void} [onerror]
 * @typedef {(url: string, protocols?: string[]) => TransportSocket} Transport
 * @typedef {{ now(): number, setTimeout(fn: () => void, ms: number): any, clearTimeout(id: any): void }} Clock
 */

export const DEFAULTS = {
  heartbeatMs: 15_000,
  heartbeatTimeoutMs: 40_000,
  connectTimeoutMs: 10_000,
  backoffBaseMs: 500,
  backoffMaxMs: 15_000,
  queueLimit: 32,
};

/** The real clock. */
export const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential, capped, with "equal
 * jitter" (half fixed, half random) so a crowd of clients dropped together does not
 * come back in lockstep.
 */
export function backoffDelay(attempt, baseMs, maxMs, random = Math.random) {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Close codes after which reconnecting would be wrong. */
const FINAL_CODES = new Set([CLOSE_CODES.Normal, CLOSE_CODES.Replaced, CLOSE_CODES.TooBig]);
/** The subprotocol offered beside `bearer.<token>`; the server answers with it. */
export const SUBPROTOCOL = 'edge-arena';
/** Error codes that mean "get a new session token". */
const AUTH_ERRORS = new Set(['unauthorized', 'token_expired']);
/** Refusals in a row after which the client stops asking for new tokens. */
const MAX_AUTH_FAILURES = 3;

export class ArenaClient {
  /**
   * @param {object} options
   * @param {string} options.url WebSocket endpoint, e.g. 'wss://arena.example.com/ws'
   * @param {Transport} options.transport
   * @param {string} [options.token] a session token
   * @param {(opts: {refresh: boolean}) => Promise<string>} [options.auth] gets a session
   *   token (e.g. wx.login + POST /api/login); `refresh` asks for a new one
   * @param {'rps' | 'dig' | 'chat'} [options.game] the game to be matched into (default rps)
   * @param {string} [options.watch] a room to watch as a spectator instead of playing
   * @param {string} [options.name]
   * @param {string} [options.avatar]
   * @param {Clock} [options.clock]
   * @param {() => number} [options.random]
   */
  constructor({ url, transport, token, auth, game, watch, name, avatar, clock = systemClock, random = Math.random, ...rest }) {
    this.url = url;
    this.game = game ?? 'rps';
    this.watch = watch ?? null;
    this.transport = transport;
    this.session = token ?? null;
    this.auth = auth ?? null;
    this.refreshSession = false;
    this.authFailures = 0;
    this.profile = { name, avatar };
    this.clock = clock;
    this.random = random;
    this.options = { ...DEFAULTS, ...rest };
    /** 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' */
    this.state = 'idle';
    this.token = null;
    this.seat = null;
    this.room = null;
    this.attempt = 0;
    this.queue = [];
    this.listeners = new Map();
    this.socket = null;
    this.timers = {};
  }

  /**
   * Subscribes to a frame type (`'result'`, `'state'`, …), `'frame'` (every frame),
   * `'connection'` (the connection state), `'close'` (final close) or `'dropped'`.
   */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type)?.delete(fn);
  }

  emit(type, value) {
    for (const fn of this.listeners.get(type) ?? []) fn(value);
  }

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
    this.clearTimer('retry');
    if (this.auth && (!this.session || this.refreshSession)) {
      this.authorizing = true;
      const refresh = this.refreshSession;
      Promise.resolve()
        .then(() => this.auth({ refresh }))
        .then(
          (token) => {
            this.authorizing = false;
            this.session = token;
            this.refreshSession = false;
            if (this.state !== 'closed') this.connect();
          },
          (err) => {
            this.authorizing = false;
            this.emit('auth_error', err);
            if (this.state !== 'closed') this.retry();
          },
        );
      return;
    }
    this.setState(this.attempt === 0 && !this.token ? 'connecting' : 'reconnecting');
    const protocols = this.session ? [SUBPROTOCOL, `bearer.${this.session}`] : undefined;
    const socket = this.transport(this.socketUrl(), protocols);
    this.socket = socket;
    // Events of a socket we already gave up on are ignored.
    const mine = (fn) => (...args) => { if (this.socket === socket) fn(...args); };
    socket.onopen = mine(() => this.opened());
    socket.onmessage = mine((text) => this.received(text));
    socket.onclose = mine((code, reason) => this.lost(code, reason));
    socket.onerror = mine(() => {});
    this.setTimer('connect', this.options.connectTimeoutMs, () => this.abandon());
  }

  /** Reconnects now if the connection is down (skipping the backoff wait). */
  wake() {
    if (this.state === 'reconnecting' && !this.socket) {
      this.attempt = 0;
      this.connect();
    }
  }

  /**
   * Sends a frame now, or queues it until the connection is back. Returns false if the
   * client is closed. A full queue drops its oldest frame (emitted as 'dropped').
   * @param {ClientFrame} frame
   */
  send(frame) {
    if (this.state === 'closed') return false;
    const text = JSON.stringify(frame);
    if (this.state === 'open' && this.socket) {
      this.socket.send(text);
      return true;
    }
    this.queue.push(text);
    while (this.queue.length > this.options.queueLimit) this.emit('dropped', JSON.parse(this.queue.shift()));
    return true;
  }

  /** Gives up the seat (`leave`); the server closes the connection and we stay closed. */
  leave() {
    this.send({ type: 'leave' });
  }

  /** Closes for good, without leaving (the seat is held for the grace window). */
  close() {
    this.setState('closed');
    this.stopTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'client closed');
  }

  socketUrl() {
    const query = [];
    if (this.token) query.push(`resume=${encodeURIComponent(this.token)}`);
    else if (this.watch) query.push(`watch=${encodeURIComponent(this.watch)}`);
    else {
      if (this.profile.name) query.push(`name=${encodeURIComponent(this.profile.name)}`);
      if (this.profile.avatar) query.push(`avatar=${encodeURIComponent(this.profile.avatar)}`);
      if (this.game && this.game !== 'rps') query.push(`game=${encodeURIComponent(this.game)}`);
    }
    return query.length ? `${this.url}${this.url.includes('?') ? '&' : '?'}${query.join('&')}` : this.url;
  }

  opened() {
    this.clearTimer('connect');
    this.attempt = 0;
    this.setState('open');
    const queued = this.queue;
    this.queue = [];
    for (const text of queued) this.socket.send(text);
    this.beat();
    this.alive();
  }

  received(text) {
    this.alive();
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.type === 'hi') {
      this.authFailures = 0;
      this.token = frame.resume;
      this.seat = frame.seat;
      this.room = frame.room;
    }
    if (frame.type === 'error' && frame.code === 'seat_gone') {
      // The seat is gone: forget it and be matched anew, without waiting for the close.
      this.token = null;
      this.seat = null;
      this.emit('frame', frame);
      this.emit(frame.type, frame);
      this.abandon(0);
      return;
    }
    if (frame.type === 'error' && AUTH_ERRORS.has(frame.code)) {
      // The session token was refused: get a new one, unless that keeps failing (or
      // there is no way to get one), in which case this is final.
      this.emit('frame', frame);
      this.emit(frame.type, frame);
      this.authFailures += 1;
      if (!this.auth || this.authFailures >= MAX_AUTH_FAILURES) {
        this.finish(CLOSE_CODES.Unauthorized, frame.code);
        return;
      }
      this.refreshSession = true;
      this.abandon(backoffDelay(this.authFailures, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random));
      return;
    }
    this.emit('frame', frame);
    this.emit(frame.type, frame);
  }

  lost(code, reason) {
    this.stopTimers();
    this.socket = null;
    if (this.state === 'closed') return;
    if (FINAL_CODES.has(code) || (code === CLOSE_CODES.Unauthorized && !this.auth)) {
      this.setState('closed');
      this.emit('close', { code, reason });
      return;
    }
    this.retry();
  }

  /** Stops for good after a final answer from the server. */
  finish(code, reason) {
    this.dropSocket('done');
    this.setState('closed');
    this.emit('close', { code, reason });
  }

  /** Drops the current socket without waiting for its close and reconnects. */
  abandon(delay) {
    this.dropSocket('reconnecting');
    if (this.state !== 'closed') this.retry(delay);
  }

  /** Lets go of the current socket (closing it) and of every timer. */
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

  retry(delay) {
    const wait = delay ?? backoffDelay(this.attempt, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random);
    this.attempt += 1;
    this.setState('reconnecting');
    this.setTimer('retry', wait, () => this.connect());
  }

  /** Sends a heartbeat every heartbeatMs while open. */
  beat() {
    this.setTimer('beat', this.options.heartbeatMs, () => {
      if (this.state === 'open' && this.socket) this.socket.send(PING_FRAME);
      this.beat();
    });
  }

  /** Something arrived: the connection lives for another heartbeatTimeoutMs. */
  alive() {
    this.setTimer('dead', this.options.heartbeatTimeoutMs, () => this.abandon());
  }

  setTimer(name, ms, fn) {
    this.clearTimer(name);
    this.timers[name] = this.clock.setTimeout(() => {
      delete this.timers[name];
      fn();
    }, ms);
  }

  clearTimer(name) {
    if (this.timers[name] !== undefined) this.clock.clearTimeout(this.timers[name]);
    delete this.timers[name];
  }

  stopTimers() {
    for (const name of Object.keys(this.timers)) this.clearTimer(name);
  }
}
