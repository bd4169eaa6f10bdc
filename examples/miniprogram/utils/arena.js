// Edge Arena client SDK, bundled from client/src by `npm run sdk`. Do not edit.
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
var __objRest = (source, exclude) => {
  var target = {};
  for (var prop in source)
    if (__hasOwnProp.call(source, prop) && exclude.indexOf(prop) < 0)
      target[prop] = source[prop];
  if (source != null && __getOwnPropSymbols)
    for (var prop of __getOwnPropSymbols(source)) {
      if (exclude.indexOf(prop) < 0 && __propIsEnum.call(source, prop))
        target[prop] = source[prop];
    }
  return target;
};
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
  ArenaClient: () => ArenaClient,
  CLOSE_CODES: () => CLOSE_CODES,
  DEFAULTS: () => DEFAULTS,
  FACES: () => FACES,
  HANDS: () => HANDS,
  LoginError: () => LoginError,
  MAX_FRAME_BYTES: () => MAX_FRAME_BYTES,
  OUTCOME_TEXT: () => OUTCOME_TEXT,
  PING_FRAME: () => PING_FRAME,
  SUBPROTOCOL: () => SUBPROTOCOL,
  apiBaseOf: () => apiBaseOf,
  backoffDelay: () => backoffDelay,
  browserTransport: () => browserTransport,
  describeResult: () => describeResult,
  faceIcon: () => faceIcon,
  fetchPost: () => fetchPost,
  guestSession: () => guestSession,
  handIcon: () => handIcon,
  sessionAuth: () => sessionAuth,
  systemClock: () => systemClock,
  webStore: () => webStore,
  wechatSession: () => wechatSession,
  wxPost: () => wxPost,
  wxStore: () => wxStore,
  wxTransport: () => wxTransport
});
module.exports = __toCommonJS(index_exports);

// client/src/codes.js
var PING_FRAME = '{"type":"ping"}';
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

// client/src/arena.js
var DEFAULTS = {
  heartbeatMs: 15e3,
  heartbeatTimeoutMs: 4e4,
  connectTimeoutMs: 1e4,
  backoffBaseMs: 500,
  backoffMaxMs: 15e3,
  queueLimit: 32
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
var FINAL_CODES = /* @__PURE__ */ new Set([CLOSE_CODES.Normal, CLOSE_CODES.Replaced, CLOSE_CODES.TooBig]);
var SUBPROTOCOL = "edge-arena";
var AUTH_ERRORS = /* @__PURE__ */ new Set(["unauthorized", "token_expired"]);
var MAX_AUTH_FAILURES = 3;
var ArenaClient = class {
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
  constructor(_a) {
    var _b = _a, { url, transport, token, auth, game, watch, name, avatar, clock = systemClock, random = Math.random } = _b, rest = __objRest(_b, ["url", "transport", "token", "auth", "game", "watch", "name", "avatar", "clock", "random"]);
    this.url = url;
    this.game = game != null ? game : "rps";
    this.watch = watch != null ? watch : null;
    this.transport = transport;
    this.session = token != null ? token : null;
    this.auth = auth != null ? auth : null;
    this.refreshSession = false;
    this.authFailures = 0;
    this.profile = { name, avatar };
    this.clock = clock;
    this.random = random;
    this.options = __spreadValues(__spreadValues({}, DEFAULTS), rest);
    this.state = "idle";
    this.token = null;
    this.seat = null;
    this.room = null;
    this.attempt = 0;
    this.queue = [];
    this.listeners = /* @__PURE__ */ new Map();
    this.socket = null;
    this.timers = {};
  }
  /**
   * Subscribes to a frame type (`'result'`, `'state'`, …), `'frame'` (every frame),
   * `'connection'` (the connection state), `'close'` (final close) or `'dropped'`.
   */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, /* @__PURE__ */ new Set());
    this.listeners.get(type).add(fn);
    return () => {
      var _a;
      return (_a = this.listeners.get(type)) == null ? void 0 : _a.delete(fn);
    };
  }
  emit(type, value) {
    var _a;
    for (const fn of (_a = this.listeners.get(type)) != null ? _a : []) fn(value);
  }
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
    this.clearTimer("retry");
    if (this.auth && (!this.session || this.refreshSession)) {
      this.authorizing = true;
      const refresh = this.refreshSession;
      Promise.resolve().then(() => this.auth({ refresh })).then(
        (token) => {
          this.authorizing = false;
          this.session = token;
          this.refreshSession = false;
          if (this.state !== "closed") this.connect();
        },
        (err) => {
          this.authorizing = false;
          this.emit("auth_error", err);
          if (this.state !== "closed") this.retry();
        }
      );
      return;
    }
    this.setState(this.attempt === 0 && !this.token ? "connecting" : "reconnecting");
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
  /** Reconnects now if the connection is down (skipping the backoff wait). */
  wake() {
    if (this.state === "reconnecting" && !this.socket) {
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
    if (this.state === "closed") return false;
    const text = JSON.stringify(frame);
    if (this.state === "open" && this.socket) {
      this.socket.send(text);
      return true;
    }
    this.queue.push(text);
    while (this.queue.length > this.options.queueLimit) this.emit("dropped", JSON.parse(this.queue.shift()));
    return true;
  }
  /** Gives up the seat (`leave`); the server closes the connection and we stay closed. */
  leave() {
    this.send({ type: "leave" });
  }
  /** Closes for good, without leaving (the seat is held for the grace window). */
  close() {
    this.setState("closed");
    this.stopTimers();
    const socket = this.socket;
    this.socket = null;
    socket == null ? void 0 : socket.close(1e3, "client closed");
  }
  socketUrl() {
    const query = [];
    if (this.token) query.push(`resume=${encodeURIComponent(this.token)}`);
    else if (this.watch) query.push(`watch=${encodeURIComponent(this.watch)}`);
    else {
      if (this.profile.name) query.push(`name=${encodeURIComponent(this.profile.name)}`);
      if (this.profile.avatar) query.push(`avatar=${encodeURIComponent(this.profile.avatar)}`);
      if (this.game && this.game !== "rps") query.push(`game=${encodeURIComponent(this.game)}`);
    }
    return query.length ? `${this.url}${this.url.includes("?") ? "&" : "?"}${query.join("&")}` : this.url;
  }
  opened() {
    this.clearTimer("connect");
    this.attempt = 0;
    this.setState("open");
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
    } catch (e) {
      return;
    }
    if (frame.type === "hi") {
      this.authFailures = 0;
      this.token = frame.resume;
      this.seat = frame.seat;
      this.room = frame.room;
    }
    if (frame.type === "error" && frame.code === "seat_gone") {
      this.token = null;
      this.seat = null;
      this.emit("frame", frame);
      this.emit(frame.type, frame);
      this.abandon(0);
      return;
    }
    if (frame.type === "error" && AUTH_ERRORS.has(frame.code)) {
      this.emit("frame", frame);
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
    this.emit("frame", frame);
    this.emit(frame.type, frame);
  }
  lost(code, reason) {
    this.stopTimers();
    this.socket = null;
    if (this.state === "closed") return;
    if (FINAL_CODES.has(code) || code === CLOSE_CODES.Unauthorized && !this.auth) {
      this.setState("closed");
      this.emit("close", { code, reason });
      return;
    }
    this.retry();
  }
  /** Stops for good after a final answer from the server. */
  finish(code, reason) {
    this.dropSocket("done");
    this.setState("closed");
    this.emit("close", { code, reason });
  }
  /** Drops the current socket without waiting for its close and reconnects. */
  abandon(delay) {
    this.dropSocket("reconnecting");
    if (this.state !== "closed") this.retry(delay);
  }
  /** Lets go of the current socket (closing it) and of every timer. */
  dropSocket(reason) {
    const socket = this.socket;
    this.socket = null;
    this.stopTimers();
    try {
      socket == null ? void 0 : socket.close(1e3, reason);
    } catch (e) {
    }
  }
  retry(delay) {
    const wait = delay != null ? delay : backoffDelay(this.attempt, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random);
    this.attempt += 1;
    this.setState("reconnecting");
    this.setTimer("retry", wait, () => this.connect());
  }
  /** Sends a heartbeat every heartbeatMs while open. */
  beat() {
    this.setTimer("beat", this.options.heartbeatMs, () => {
      if (this.state === "open" && this.socket) this.socket.send(PING_FRAME);
      this.beat();
    });
  }
  /** Something arrived: the connection lives for another heartbeatTimeoutMs. */
  alive() {
    this.setTimer("dead", this.options.heartbeatTimeoutMs, () => this.abandon());
  }
  setTimer(name, ms, fn) {
    this.clearTimer(name);
    this.timers[name] = this.clock.setTimeout(() => {
      delete this.timers[name];
      fn();
    }, ms);
  }
  clearTimer(name) {
    if (this.timers[name] !== void 0) this.clock.clearTimeout(this.timers[name]);
    delete this.timers[name];
  }
  stopTimers() {
    for (const name of Object.keys(this.timers)) this.clearTimer(name);
  }
};

// client/src/transports.js
function wxTransport(wx) {
  return (url, protocols) => {
    const socket = {};
    const task = wx.connectSocket(protocols ? { url, protocols } : { url });
    task.onOpen(() => {
      var _a;
      return (_a = socket.onopen) == null ? void 0 : _a.call(socket);
    });
    task.onMessage(({ data }) => {
      var _a;
      return (_a = socket.onmessage) == null ? void 0 : _a.call(socket, typeof data === "string" ? data : "");
    });
    task.onClose(({ code, reason }) => {
      var _a;
      return (_a = socket.onclose) == null ? void 0 : _a.call(socket, code != null ? code : 1006, reason != null ? reason : "");
    });
    task.onError((err) => {
      var _a;
      return (_a = socket.onerror) == null ? void 0 : _a.call(socket, err);
    });
    socket.send = (text) => task.send({ data: text });
    socket.close = (code = 1e3, reason = "") => task.close({ code, reason });
    return socket;
  };
}
function browserTransport(WebSocketImpl = globalThis.WebSocket) {
  return (url, protocols) => {
    const socket = {};
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

// client/src/login.js
var EXPIRY_MARGIN_MS = 6e4;
var LoginError = class extends Error {
  constructor(status, error, message) {
    super(message || error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }
};
function sessionAuth(fetchSession, { clock = systemClock, store } = {}) {
  var _a;
  let session = (_a = store == null ? void 0 : store.load()) != null ? _a : null;
  return async ({ refresh = false } = {}) => {
    const stale = !(session == null ? void 0 : session.token) || session.expires_at - clock.now() < EXPIRY_MARGIN_MS;
    if (refresh || stale) {
      session = await fetchSession();
      store == null ? void 0 : store.save(session);
    }
    return session.token;
  };
}
function wxPost(wx) {
  return (url, body) => new Promise((resolve, reject) => {
    wx.request({
      url,
      method: "POST",
      data: body,
      header: { "content-type": "application/json" },
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (err) => reject(new LoginError(0, "network", (err == null ? void 0 : err.errMsg) || "request failed"))
    });
  });
}
function fetchPost(fetchImpl = globalThis.fetch) {
  return async (url, body) => {
    const res = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    });
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
  return () => new Promise((resolve, reject) => {
    wx.login({
      success: ({ code }) => postSession(post, `${apiBase}/api/login`, { code }).then(resolve, reject),
      fail: (err) => reject(new LoginError(0, "wx_login_failed", err == null ? void 0 : err.errMsg))
    });
  });
}
function guestSession(apiBase, post = fetchPost()) {
  return () => postSession(post, `${apiBase}/api/guest`, {});
}
function wxStore(wx, key = "edge-arena-session") {
  return {
    load: () => {
      try {
        return wx.getStorageSync(key) || null;
      } catch (e) {
        return null;
      }
    },
    save: (session) => {
      try {
        wx.setStorageSync(key, session);
      } catch (e) {
      }
    }
  };
}
function webStore(storage = globalThis.localStorage, key = "edge-arena-session") {
  return {
    load: () => {
      var _a;
      try {
        return JSON.parse((_a = storage.getItem(key)) != null ? _a : "null");
      } catch (e) {
        return null;
      }
    },
    save: (session) => {
      try {
        storage.setItem(key, JSON.stringify(session));
      } catch (e) {
      }
    }
  };
}
function apiBaseOf(wsUrl) {
  return wsUrl.replace(/^ws/, "http").replace(/\/ws\/?$/, "");
}
