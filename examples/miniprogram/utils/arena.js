// Edge Arena client SDK, bundled from client/src by `npm run sdk`. Do not edit.
"use strict";
var __defProp = Object.defineProperty;
var __defProps = Object.defineProperties;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropDescs = Object.getOwnPropertyDescriptors;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getOwnPropSymbols = Object.getOwnPropertySymbols;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __propIsEnum = Object.prototype.propertyIsEnumerable;
var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
var __spreadValues = (a, b) => {
  for (var prop in b || (b = {}))
    if (__hasOwnProp.call(b, prop))
      __defNormalProp(a, prop, b[prop]);
  if (__getOwnPropSymbols)
    for (var prop of __getOwnPropSymbols(b)) {
      if (__propIsEnum.call(b, prop))
        __defNormalProp(a, prop, b[prop]);
    }
  return a;
};
var __spreadProps = (a, b) => __defProps(a, __getOwnPropDescs(b));
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// client/src/index.js
var index_exports = {};
__export(index_exports, {
  ApiError: () => ApiError,
  ArenaClient: () => ArenaClient,
  CLOSE_CODES: () => CLOSE_CODES,
  CODE_ALPHABET: () => CODE_ALPHABET,
  CODE_LENGTH: () => CODE_LENGTH,
  DEFAULTS: () => DEFAULTS,
  FACES: () => FACES,
  HANDS: () => HANDS,
  LoginError: () => LoginError,
  MAX_FRAME_BYTES: () => MAX_FRAME_BYTES,
  OUTCOME_TEXT: () => OUTCOME_TEXT,
  PING_FRAME: () => PING_FRAME,
  PONG_FRAME: () => PONG_FRAME,
  SUBPROTOCOL: () => SUBPROTOCOL,
  apiBaseOf: () => apiBaseOf,
  backoffDelay: () => backoffDelay,
  browserTransport: () => browserTransport,
  describeResult: () => describeResult,
  faceIcon: () => faceIcon,
  fetchPost: () => fetchPost,
  guestSession: () => guestSession,
  handIcon: () => handIcon,
  normalizeCode: () => normalizeCode,
  openPrivateRoom: () => openPrivateRoom,
  sessionAuth: () => sessionAuth,
  systemClock: () => systemClock,
  waitingText: () => waitingText,
  webStore: () => webStore,
  wechatSession: () => wechatSession,
  wxPost: () => wxPost,
  wxStore: () => wxStore,
  wxTransport: () => wxTransport
});
module.exports = __toCommonJS(index_exports);

// client/src/codes.js
var PING_FRAME = '{"type":"ping"}';
var PONG_FRAME = '{"type":"pong"}';
var MAX_FRAME_BYTES = 4096;
var CLOSE_CODES = {
  Normal: 1e3,
  RateLimited: 1008,
  TooBig: 1009,
  HeartbeatTimeout: 4e3,
  Replaced: 4001,
  SeatGone: 4002,
  Unauthorized: 4003,
  NoEntry: 4004
};

// client/src/login.js
var EXPIRY_MARGIN_MS = 6e4;
var ApiError = class extends Error {
  /**
   * @param {number} status the HTTP status, 0 when the request did not get through
   * @param {string} [error] the server's error code (`invalid_code`, `not_configured`, …)
   * @param {string} [message]
   */
  constructor(status, error, message) {
    super(message || error || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.error = error != null ? error : status === 0 ? "network" : `http_${status}`;
  }
};
var LoginError = class extends ApiError {
  /**
   * @param {number} status the HTTP status, 0 when the request did not get through
   * @param {string} [error] the server's error code (`invalid_code`, `not_configured`, …)
   * @param {string} [message]
   */
  constructor(status, error, message) {
    super(status, error, message);
    this.name = "LoginError";
  }
};
function sessionAuth(fetchSession, { clock = systemClock, store } = {}) {
  var _a;
  const { kind, api } = fetchSession;
  const mine = (s) => !!s && typeof s.token === "string" && s.kind === kind && s.api === api;
  const stored = (_a = store == null ? void 0 : store.load(kind)) != null ? _a : null;
  let session = mine(stored) ? stored : null;
  let fetching = null;
  const login = () => {
    fetching != null ? fetching : fetching = fetchSession().then(
      (fresh) => {
        fetching = null;
        session = __spreadProps(__spreadValues({}, fresh), { kind, api });
        store == null ? void 0 : store.save(session, kind);
        return session;
      },
      (err) => {
        fetching = null;
        throw err;
      }
    );
    return fetching;
  };
  return async ({ refresh = false } = {}) => {
    if (fetching) return (await fetching).token;
    const stale = !session || session.expires_at - clock.now() < EXPIRY_MARGIN_MS;
    if (refresh || stale) return (await login()).token;
    return (
      /** @type {Session} */
      session.token
    );
  };
}
function wxPost(wx) {
  return (url, body, headers = {}) => new Promise((resolve, reject) => {
    wx.request({
      url,
      method: "POST",
      data: body,
      header: __spreadProps(__spreadValues({}, headers), { "content-type": "application/json" }),
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (err) => reject(new LoginError(0, "network", err && err.errMsg || "request failed"))
    });
  });
}
function fetchPost(fetchImpl = globalThis.fetch) {
  return async (url, body, headers = {}) => {
    let res;
    try {
      res = await fetchImpl(url, {
        method: "POST",
        headers: __spreadProps(__spreadValues({}, headers), { "content-type": "application/json" }),
        body: JSON.stringify(body)
      });
    } catch (err) {
      throw new LoginError(0, "network", String(err));
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
    }
    return { status: res.status, data };
  };
}
async function postSession(post, url, body) {
  const { status, data } = await post(url, body);
  if (status !== 200 || typeof (data == null ? void 0 : data.token) !== "string") {
    throw new LoginError(status, data == null ? void 0 : data.error, data == null ? void 0 : data.message);
  }
  return data;
}
function wechatSession(wx, apiBase) {
  const post = wxPost(wx);
  const source = () => new Promise((resolve, reject) => {
    wx.login({
      success: ({ code }) => postSession(post, `${apiBase}/api/login`, { code }).then(resolve, reject),
      fail: (err) => reject(new LoginError(0, "wx_login_failed", err && err.errMsg))
    });
  });
  source.kind = "wechat";
  source.api = apiBase;
  return source;
}
function guestSession(apiBase, post = fetchPost()) {
  const source = () => postSession(post, `${apiBase}/api/guest`, {});
  source.kind = "guest";
  source.api = apiBase;
  return source;
}
function wxStore(wx, key = "edge-arena-session") {
  const keyOf = (kind) => kind ? `${key}:${kind}` : key;
  return {
    load: (kind) => {
      try {
        return wx.getStorageSync(keyOf(kind)) || null;
      } catch (e) {
        return null;
      }
    },
    save: (session, kind) => {
      try {
        wx.setStorageSync(keyOf(kind), session);
      } catch (e) {
      }
    }
  };
}
function webStore(storage = globalThis.localStorage, key = "edge-arena-session") {
  const keyOf = (kind) => kind ? `${key}:${kind}` : key;
  return {
    load: (kind) => {
      var _a;
      try {
        return JSON.parse((_a = storage.getItem(keyOf(kind))) != null ? _a : "null");
      } catch (e) {
        return null;
      }
    },
    save: (session, kind) => {
      try {
        storage.setItem(keyOf(kind), JSON.stringify(session));
      } catch (e) {
      }
    }
  };
}
function apiBaseOf(wsUrl) {
  return wsUrl.replace(/^ws/, "http").replace(/\/ws\/?$/, "");
}

// client/src/rooms.js
var CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
var CODE_LENGTH = 6;
var GAMES = ["rps", "dig", "chat"];
function normalizeCode(typed) {
  if (typeof typed !== "string") return null;
  const code = typed.replace(/[\s-]+/g, "").toUpperCase();
  if (code.length !== CODE_LENGTH) return null;
  for (const c of code) if (!CODE_ALPHABET.includes(c)) return null;
  return code;
}
async function openPrivateRoom(apiBase, auth, { game = "rps", bots = false, post } = {}) {
  if (typeof apiBase !== "string") throw new TypeError("openPrivateRoom: apiBase must be a string");
  if (typeof auth !== "string" && typeof auth !== "function") {
    throw new TypeError("openPrivateRoom: auth must be a session token or an auth callback");
  }
  if (!GAMES.includes(game)) throw new TypeError(`openPrivateRoom: game must be one of ${GAMES.join(", ")}`);
  if (typeof bots !== "boolean") throw new TypeError("openPrivateRoom: bots must be true or false");
  const send = post != null ? post : fetchPost();
  const url = `${apiBase.replace(/\/+$/, "")}/api/rooms`;
  const attempt = async (refresh) => {
    const token = typeof auth === "string" ? auth : await auth({ refresh });
    return send(url, { game, bots }, { authorization: `Bearer ${token}` });
  };
  let { status, data } = await attempt(false);
  if (status === 401 && typeof auth === "function") ({ status, data } = await attempt(true));
  if (status !== 200 || typeof (data == null ? void 0 : data.code) !== "string" || typeof (data == null ? void 0 : data.room) !== "string") {
    throw new ApiError(status, data == null ? void 0 : data.error, data == null ? void 0 : data.message);
  }
  return { room: data.room, code: data.code, expires_at: data.expires_at };
}

// client/src/arena.js
var DEFAULTS = {
  heartbeatMs: 15e3,
  heartbeatTimeoutMs: 4e4,
  connectTimeoutMs: 1e4,
  backoffBaseMs: 500,
  backoffMaxMs: 15e3,
  queueLimit: 32,
  minUptimeMs: 5e3,
  maxRetries: Infinity
};
var systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id)
};
function backoffDelay(attempt, baseMs, maxMs, random = Math.random) {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + random() * cap / 2);
}
var SUBPROTOCOL = "edge-arena";
var AUTH_ERRORS = /* @__PURE__ */ new Set(["unauthorized", "token_expired"]);
var MAX_AUTH_FAILURES = 3;
var FINAL_CODES = /* @__PURE__ */ new Set([CLOSE_CODES.Replaced, CLOSE_CODES.TooBig, CLOSE_CODES.NoEntry]);
var OPTION_KINDS = {
  url: "string",
  transport: "function",
  token: "string",
  auth: "function",
  game: "string",
  join: "code",
  watch: "watch",
  name: "string",
  avatar: "string",
  heartbeatMs: "ms",
  heartbeatTimeoutMs: "ms",
  connectTimeoutMs: "ms",
  backoffBaseMs: "ms",
  backoffMaxMs: "ms",
  queueLimit: "count",
  minUptimeMs: "ms",
  maxRetries: "retries",
  clock: "clock",
  random: "function"
};
var REQUIRED = ["url", "transport"];
function validate(options) {
  if (!options || typeof options !== "object") throw new TypeError("ArenaClient: options must be an object");
  for (const [key, value] of Object.entries(options)) {
    const kind = OPTION_KINDS[key];
    if (!kind) {
      const near = Object.keys(OPTION_KINDS).find((k) => k.toLowerCase() === key.toLowerCase());
      throw new TypeError(`ArenaClient: unknown option "${key}"${near ? ` (did you mean "${near}"?)` : ""}`);
    }
    if (value === void 0 || value === null) continue;
    const ok = kind === "string" ? typeof value === "string" : kind === "code" ? normalizeCode(value) !== null : kind === "watch" ? typeof value === "string" || value === true : kind === "function" ? typeof value === "function" : kind === "ms" ? typeof value === "number" && Number.isFinite(value) && value >= 0 : kind === "count" ? Number.isInteger(value) && /** @type {number} */
    value >= 0 : kind === "retries" ? value === Infinity || Number.isInteger(value) && /** @type {number} */
    value >= 0 : typeof value === "object" && value !== null && typeof /** @type {any} */
    value.setTimeout === "function";
    if (!ok) throw new TypeError(`ArenaClient: option "${key}" has a bad value: ${String(value)}`);
  }
  for (const key of REQUIRED) {
    if (options[key] == null) throw new TypeError(`ArenaClient: option "${key}" is required`);
  }
  if (options.watch === true && options.join == null) {
    throw new TypeError('ArenaClient: option "watch" is true but there is no "join" code to watch');
  }
  if (typeof options.watch === "string" && options.join != null) {
    throw new TypeError('ArenaClient: options "join" and "watch" name two rooms; with a code, use watch: true');
  }
}
function transientLoginFailure(err) {
  const status = err == null ? void 0 : err.status;
  if (typeof status !== "number") return false;
  return status === 0 || status === 429 || status >= 500 && err.error !== "not_configured";
}
var ArenaClient = class {
  /** @param {ArenaOptions} options */
  constructor(options) {
    validate(
      /** @type {any} */
      options
    );
    const { url, transport, token, auth, game, join, watch, name, avatar, clock = systemClock, random = Math.random } = options;
    this.url = url;
    this.game = game != null ? game : "rps";
    this.join = join == null ? null : normalizeCode(join);
    this.watch = watch != null ? watch : null;
    this.transport = transport;
    this.session = token != null ? token : null;
    this.auth = auth != null ? auth : null;
    this.refreshSession = false;
    this.authorizing = false;
    this.authFailures = 0;
    this.profile = { name, avatar };
    this.clock = clock;
    this.random = random;
    this.options = __spreadValues({}, DEFAULTS);
    for (
      const key of
      /** @type {(keyof typeof DEFAULTS)[]} */
      Object.keys(DEFAULTS)
    ) {
      if (options[key] != null) this.options[key] = /** @type {number} */
      options[key];
    }
    this.state = "idle";
    this.token = null;
    this.seat = null;
    this.room = null;
    this.attempt = 0;
    this.queue = [];
    this.listeners = /* @__PURE__ */ new Map();
    this.socket = null;
    this.timers = {};
    this.stopping = false;
    this.lastResult = null;
    this.hidden = false;
    this.dropped = false;
    this.unlisten = null;
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
    if (typeof fn !== "function") throw new TypeError(`ArenaClient.on('${String(type)}'): the listener must be a function`);
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, set = /* @__PURE__ */ new Set());
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
      if (
        /** @type {any} */
        wrapper.listener === fn
      ) set.delete(wrapper);
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
    var _a;
    for (const fn of [...(_a = this.listeners.get(type)) != null ? _a : []]) fn(value);
  }
  /**
   * @param {ConnectionState} state
   * @private
   */
  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit("connection", state);
  }
  /**
   * Opens the connection (with the resume token, once there is one). With an `auth`
   * callback and no session token yet, gets one first.
   */
  connect() {
    if (this.state === "open" || this.state === "connecting" || this.authorizing) return;
    if (this.state === "closed") {
      this.stopping = false;
      this.attempt = 0;
      this.authFailures = 0;
      this.setState("idle");
    }
    this.listen();
    this.clearTimer("retry");
    if (this.auth && (!this.session || this.refreshSession)) {
      this.authorize(this.auth);
      return;
    }
    this.setState(this.attempt === 0 && !this.token && !this.dropped ? "connecting" : "reconnecting");
    const protocols = this.session ? [SUBPROTOCOL, `bearer.${this.session}`] : void 0;
    const socket = this.transport(this.socketUrl(), protocols);
    this.socket = socket;
    const mine = (fn) => (...args) => {
      if (this.socket === socket) fn(...args);
    };
    socket.onopen = mine(() => this.opened());
    socket.onmessage = mine((text) => this.received(text));
    socket.onclose = mine((code, reason) => this.lost(code, reason));
    socket.onerror = mine(() => {
    });
    this.setTimer("connect", this.options.connectTimeoutMs, () => this.abandon());
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
    Promise.resolve().then(() => auth({ refresh })).then(
      (token) => {
        this.authorizing = false;
        if (this.state === "closed") return;
        this.session = token;
        this.refreshSession = false;
        this.connect();
      },
      (err) => {
        this.authorizing = false;
        if (this.state === "closed") return;
        const code = typeof (err == null ? void 0 : err.error) === "string" ? err.error : "auth_failed";
        if (transientLoginFailure(err)) {
          this.emit("auth_error", { code, error: err, final: false });
          this.retry();
          return;
        }
        this.authRefused(code, err);
      }
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
    this.emit("auth_error", { code, error, final });
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
    if (this.state === "reconnecting" && !this.socket && !this.authorizing) {
      this.attempt = 0;
      this.connect();
    } else if (this.state === "open" && this.socket) {
      this.socket.send(PING_FRAME);
      this.setTimer("dead", this.options.connectTimeoutMs, () => this.abandon(0));
    }
  }
  /**
   * Drops the current connection (if any) and connects again at once, resuming the
   * seat while a resume token is held. Also starts a closed client again.
   */
  reconnect() {
    if (this.state !== "closed") {
      if (this.state === "open") this.dropped = true;
      this.dropSocket("reconnecting");
      this.setState("reconnecting");
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
    if (this.state === "closed") return false;
    const text = JSON.stringify(frame);
    if (this.state === "open" && this.socket) {
      this.socket.send(text);
      return true;
    }
    this.queue.push(text);
    while (this.queue.length > this.options.queueLimit) this.emit("dropped", JSON.parse(
      /** @type {string} */
      this.queue.shift()
    ));
    return true;
  }
  /**
   * Gives up the seat (`leave`): the server closes the connection and the client stays
   * closed, whatever the close code.
   */
  leave() {
    if (this.state === "closed") return;
    this.send({ type: "leave" });
    this.stopping = true;
  }
  /** Closes for good, without leaving (the seat is held for the grace window). */
  close() {
    if (this.state === "closed") return;
    this.stopping = true;
    this.finish(1e3, "client closed");
  }
  /**
   * The URL of the next connection: the resume token, or what to be matched into.
   * @private
   */
  socketUrl() {
    const query = [];
    if (this.token) query.push(`resume=${encodeURIComponent(this.token)}`);
    else if (typeof this.watch === "string") query.push(`watch=${encodeURIComponent(this.watch)}`);
    else {
      if (this.join) query.push(`join=${this.join}`);
      if (this.join && this.watch === true) query.push("watch=1");
      if (this.profile.name) query.push(`name=${encodeURIComponent(this.profile.name)}`);
      if (this.profile.avatar) query.push(`avatar=${encodeURIComponent(this.profile.avatar)}`);
      if (!this.join && this.game && this.game !== "rps") query.push(`game=${encodeURIComponent(this.game)}`);
    }
    return query.length ? `${this.url}${this.url.includes("?") ? "&" : "?"}${query.join("&")}` : this.url;
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
    this.clearTimer("connect");
    const attempts = this.attempt;
    this.setTimer("uptime", this.options.minUptimeMs, () => {
      this.attempt = 0;
    });
    this.setState("open");
    const queued = this.queue;
    this.queue = [];
    const socket = (
      /** @type {TransportSocket} */
      this.socket
    );
    for (const text of queued) socket.send(text);
    this.beat();
    this.alive();
    if (this.dropped) {
      this.dropped = false;
      this.emit("reconnect", { attempts });
    }
  }
  /**
   * @param {string} text
   * @private
   */
  received(text) {
    this.alive();
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    if (frame.type === "result") {
      const told = this.lastResult;
      if (told && told.room === this.room && told.round === frame.round) return;
      this.lastResult = { room: this.room, round: frame.round };
    }
    if (frame.type === "hi") {
      this.authFailures = 0;
      this.token = frame.resume;
      this.seat = frame.seat;
      this.room = frame.room;
    }
    this.emitFrame(frame);
    if (frame.type !== "error") return;
    if (frame.code === "seat_gone") {
      this.token = null;
      this.seat = null;
      this.abandon(0, { code: CLOSE_CODES.SeatGone, reason: frame.code });
    } else if (frame.code === "no_such_room") {
      this.finish(CLOSE_CODES.Normal, frame.code);
    } else if (frame.code === "unknown_code" || frame.code === "room_full") {
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
    this.emit("frame", frame);
    this.emit(
      frame.type,
      /** @type {any} */
      frame
    );
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
    if (this.state === "closed") return;
    if (this.stopping || FINAL_CODES.has(code)) {
      this.finish(code, reason);
      return;
    }
    if (this.state === "open") {
      this.dropped = true;
      this.setState("reconnecting");
      this.emit("drop", { code, reason });
    }
    if (code === CLOSE_CODES.Unauthorized) {
      this.authRefused("unauthorized", { code, reason });
      return;
    }
    if (code === CLOSE_CODES.SeatGone) {
      this.token = null;
      this.seat = null;
    }
    const justShown = this.shownAt !== null && this.clock.now() - this.shownAt < this.options.connectTimeoutMs;
    this.retry(code === CLOSE_CODES.SeatGone || justShown ? 0 : void 0, { code, reason });
  }
  /**
   * Stops for good.
   * @param {number} code
   * @param {string} reason
   * @private
   */
  finish(code, reason) {
    var _a;
    this.dropSocket("done");
    this.queue = [];
    (_a = this.unlisten) == null ? void 0 : _a.call(this);
    this.unlisten = null;
    this.setState("closed");
    this.emit("close", { code, reason });
  }
  /**
   * Drops the current socket without waiting for its close and reconnects.
   * @param {number} [delay]
   * @param {CloseInfo} [why] what a listener of 'drop' is told, if the socket was open
   * @private
   */
  abandon(delay, why = { code: 1006, reason: "no answer" }) {
    if (this.state === "open") {
      this.dropped = true;
      this.setState("reconnecting");
      this.emit("drop", why);
    }
    this.dropSocket("reconnecting");
    if (this.state !== "closed") this.retry(delay);
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
      socket == null ? void 0 : socket.close(1e3, reason);
    } catch (e) {
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
    var _a;
    if (this.attempt >= this.options.maxRetries) {
      this.finish((_a = last == null ? void 0 : last.code) != null ? _a : 1006, "max_retries");
      return;
    }
    this.setState("reconnecting");
    if (this.hidden) return;
    const wait = delay != null ? delay : backoffDelay(this.attempt, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random);
    this.attempt += 1;
    this.setTimer("retry", wait, () => this.connect());
  }
  /**
   * Sends a heartbeat every heartbeatMs while open.
   * @private
   */
  beat() {
    this.setTimer("beat", this.options.heartbeatMs, () => {
      if (this.state === "open" && this.socket) this.socket.send(PING_FRAME);
      this.beat();
    });
  }
  /**
   * Something arrived: the connection lives for another heartbeatTimeoutMs.
   * @private
   */
  alive() {
    this.setTimer("dead", this.options.heartbeatTimeoutMs, () => this.abandon());
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
    if (this.timers[name] !== void 0) this.clock.clearTimeout(this.timers[name]);
    delete this.timers[name];
  }
  /** @private */
  stopTimers() {
    for (const name of Object.keys(this.timers)) this.clearTimer(name);
  }
};

// client/src/transports.js
function wxTransport(wx) {
  const transport = (url, protocols) => {
    const socket = { send: () => {
    }, close: () => {
    } };
    let opened = false;
    let closed = false;
    const lost = (code, reason) => {
      if (closed) return;
      closed = true;
      Promise.resolve().then(() => {
        var _a;
        return (_a = socket.onclose) == null ? void 0 : _a.call(socket, code, reason);
      });
    };
    const task = wx.connectSocket(__spreadProps(__spreadValues({
      url
    }, protocols ? { protocols } : {}), {
      // A refused call (too many sockets, the app in the background) never opens.
      fail: (err) => lost(1006, err && err.errMsg || "connectSocket:fail")
    }));
    task.onOpen(() => {
      var _a;
      opened = true;
      (_a = socket.onopen) == null ? void 0 : _a.call(socket);
    });
    task.onMessage(
      /** @param {{ data: unknown }} m */
      ({ data }) => {
        var _a;
        return (_a = socket.onmessage) == null ? void 0 : _a.call(socket, typeof data === "string" ? data : "");
      }
    );
    task.onClose(
      /** @param {{ code?: number, reason?: string }} e */
      ({ code, reason }) => lost(code != null ? code : 1006, reason != null ? reason : "")
    );
    task.onError(
      /** @param {unknown} err */
      (err) => {
        var _a;
        (_a = socket.onerror) == null ? void 0 : _a.call(socket, err);
        if (!opened) lost(1006, "handshake failed");
      }
    );
    socket.send = (text) => task.send({ data: text });
    socket.close = (code = 1e3, reason = "") => task.close({ code, reason });
    return socket;
  };
  if (typeof wx.onAppHide === "function" && typeof wx.onAppShow === "function") {
    const onAppHide = wx.onAppHide.bind(wx);
    const onAppShow = wx.onAppShow.bind(wx);
    transport.lifecycle = (onHide, onShow) => {
      const hide = () => onHide();
      const show = () => onShow();
      onAppHide(hide);
      onAppShow(show);
      return () => {
        var _a, _b;
        (_a = wx.offAppHide) == null ? void 0 : _a.call(wx, hide);
        (_b = wx.offAppShow) == null ? void 0 : _b.call(wx, show);
      };
    };
  }
  return transport;
}
function browserTransport(WebSocketImpl = globalThis.WebSocket) {
  return (url, protocols) => {
    const socket = { send: () => {
    }, close: () => {
    } };
    const ws = protocols ? new WebSocketImpl(url, protocols) : new WebSocketImpl(url);
    ws.onopen = () => {
      var _a;
      return (_a = socket.onopen) == null ? void 0 : _a.call(socket);
    };
    ws.onmessage = (e) => {
      var _a;
      return (_a = socket.onmessage) == null ? void 0 : _a.call(socket, typeof e.data === "string" ? e.data : "");
    };
    ws.onclose = (e) => {
      var _a;
      return (_a = socket.onclose) == null ? void 0 : _a.call(socket, e.code, e.reason);
    };
    ws.onerror = (e) => {
      var _a;
      return (_a = socket.onerror) == null ? void 0 : _a.call(socket, e);
    };
    socket.send = (text) => ws.send(text);
    socket.close = (code = 1e3, reason = "") => ws.close(code, reason);
    return socket;
  };
}

// client/src/rps.js
var HANDS = [
  { id: "rock", icon: "\u270A", zh: "\u77F3\u5934", en: "Rock" },
  { id: "scissors", icon: "\u270C\uFE0F", zh: "\u526A\u5200", en: "Scissors" },
  { id: "paper", icon: "\u270B", zh: "\u5E03", en: "Paper" }
];
var FACES = [
  { id: "laugh", icon: "\u{1F606}" },
  { id: "cry", icon: "\u{1F62D}" },
  { id: "angry", icon: "\u{1F620}" },
  { id: "smirk", icon: "\u{1F60F}" }
];
var handIcon = (id) => {
  var _a, _b;
  return (_b = (_a = HANDS.find((h) => h.id === id)) == null ? void 0 : _a.icon) != null ? _b : "\u2026";
};
var faceIcon = (id) => {
  var _a, _b;
  return (_b = (_a = FACES.find((f) => f.id === id)) == null ? void 0 : _a.icon) != null ? _b : "";
};
function describeResult(result, mySeat, seats) {
  const nameOf = (seat) => {
    var _a, _b;
    return (_b = (_a = seats.find((s) => s.seat === seat)) == null ? void 0 : _a.name) != null ? _b : `#${seat}`;
  };
  const lines = result.seats.map((line) => __spreadProps(__spreadValues({}, line), { name: nameOf(line.seat), icon: handIcon(line.choice), mine: line.seat === mySeat })).sort((a, b) => Number(b.mine) - Number(a.mine));
  const me = lines.find((l) => l.mine);
  const outcome = !me ? "watch" : me.base > 0 ? "win" : me.base < 0 ? "lose" : "draw";
  return { round: result.round, outcome, lines };
}
var OUTCOME_TEXT = {
  win: "\u4F60\u8D62\u4E86 \xB7 You win",
  lose: "\u4F60\u8F93\u4E86 \xB7 You lose",
  draw: "\u5E73\u5C40 \xB7 Draw",
  watch: "\u672C\u5C40\u7ED3\u675F \xB7 Round over"
};

// client/src/waiting.js
function waitingText({ seats, mySeat, room, between = "round" }) {
  const mine = seats.find((s) => s.seat === mySeat);
  if (room.watching) return `\u89C2\u6218\u4E2D \xB7 watching: \u7B49\u5F85\u4E0B\u4E00\u5C40 \xB7 waiting for the next ${between}`;
  if (mine == null ? void 0 : mine.bot) {
    return `\u672C\u5C40\u7ED3\u675F\u540E\u4F60\u5C06\u63A5\u66FF\u673A\u5668\u4EBA\u7684\u5EA7\u4F4D \xB7 You take a bot's seat when this ${between} ends`;
  }
  const free = room.size === null ? 0 : room.size - seats.length;
  if (free > 0) {
    return room.private ? "\u7B49\u5F85\u670B\u53CB\u52A0\u5165\u2026 \xB7 Waiting for your friend to join" : "\u7B49\u5F85\u5BF9\u624B\u2026 \xB7 Waiting for players\u2026 (\u4E00\u4E2A\u4EBA\uFF1F\u7A0D\u7B49\u4F1A\u6709\u673A\u5668\u4EBA \xB7 alone? a bot joins shortly)";
  }
  const others = seats.filter((s) => s.seat !== mySeat);
  const away = others.filter((s) => s.away);
  if (away.length) return `\u7B49\u5F85 ${names(away)} \u56DE\u6765 \xB7 Waiting for ${names(away)} to come back`;
  const notReady = others.filter((s) => !s.ready && !s.bot);
  if (notReady.length) return `\u7B49\u5F85 ${names(notReady)} \u518D\u6765\u4E00\u5C40 \xB7 Waiting for ${names(notReady)} to play again`;
  if (mine && !mine.ready) return "\u70B9\u300C\u518D\u6765\u4E00\u5C40\u300D\u5F00\u59CB \xB7 Press Play again to start";
  return "\u9A6C\u4E0A\u5F00\u59CB\u2026 \xB7 Starting\u2026";
}
var names = (seats) => seats.map((s) => s.name).join(", ");
