// Session tokens for ArenaClient's `auth` option.
//
//   const auth = sessionAuth(wechatSession(wx, 'https://arena.example.com'), { store: wxStore(wx) });
//   new ArenaClient({ url, transport: wxTransport(wx), auth });
//
// A mini-program logs in with wx.login() + POST /api/login (the server exchanges the
// code with WeChat and answers with its own signed token); a browser asks for a guest
// token with POST /api/guest. Either way the token is kept until shortly before it
// expires, and replaced when the server refuses it.
//
// A kept session remembers how it was made (`kind`: 'wechat' or 'guest') and for which
// server: guest and WeChat sessions live under separate storage keys, and a session of
// another kind or server is never reused (switching a mini-program from guest to WeChat
// login logs in with WeChat at once).

import { systemClock } from './arena.js';

/** A token this close to its expiry is replaced before use. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * What the login API answers (`POST /api/login`, `POST /api/guest`), plus how it was
 * made once it is kept.
 * @typedef {object} Session
 * @property {string} token
 * @property {number} expires_at ms since the epoch
 * @property {string} [player]
 * @property {string} [kind] 'wechat' or 'guest'
 * @property {string} [api] the API base it came from
 */

/**
 * Gets a new session. `kind` and `api` say what it makes (sessionAuth keeps sessions
 * apart by them).
 * @typedef {(() => Promise<Session>) & { kind?: string, api?: string }} SessionSource
 */

/**
 * Keeps a session across app launches, by kind.
 * @typedef {object} SessionStore
 * @property {(kind?: string) => Session | null} load
 * @property {(session: Session, kind?: string) => void} save
 */

/**
 * A POST of a JSON body that resolves with the status and the parsed answer. `headers`
 * are added to the request (e.g. `authorization` for `POST /api/rooms`).
 * @typedef {(url: string, body: unknown, headers?: Record<string, string>) => Promise<{ status: number, data: any }>} Post
 */

/** An error from the HTTP API: `status` and the server's stable `error` code. */
export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status, 0 when the request did not get through
   * @param {string} [error] the server's error code (`invalid_code`, `not_configured`, …)
   * @param {string} [message]
   */
  constructor(status, error, message) {
    super(message || error || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.error = error ?? (status === 0 ? 'network' : `http_${status}`);
  }
}

/** An error from the login API (`POST /api/login`, `POST /api/guest`). */
export class LoginError extends ApiError {
  /**
   * @param {number} status the HTTP status, 0 when the request did not get through
   * @param {string} [error] the server's error code (`invalid_code`, `not_configured`, …)
   * @param {string} [message]
   */
  constructor(status, error, message) {
    super(status, error, message);
    this.name = 'LoginError';
  }
}

/**
 * Wraps `fetchSession` into an `auth` callback that reuses the session until it nearly
 * expires or the server refuses it. `store` ({load, save}) keeps it across app launches.
 * @param {SessionSource} fetchSession
 * @param {{ clock?: { now(): number }, store?: SessionStore }} [options]
 * @returns {(opts?: { refresh?: boolean }) => Promise<string>}
 */
export function sessionAuth(fetchSession, { clock = systemClock, store } = {}) {
  const { kind, api } = fetchSession;
  /** @param {Session | null | undefined} s */
  const mine = (s) => !!s && typeof s.token === 'string' && s.kind === kind && s.api === api;
  const stored = store?.load(kind) ?? null;
  /** @type {Session | null} */
  let session = mine(stored) ? stored : null;
  /** @type {Promise<Session> | null} a login under way, which every caller meanwhile shares */
  let fetching = null;
  const login = () => {
    fetching ??= fetchSession().then(
      (fresh) => {
        fetching = null;
        session = { ...fresh, kind, api };
        store?.save(session, kind);
        return session;
      },
      (err) => {
        fetching = null;
        throw err;
      },
    );
    return fetching;
  };
  return async ({ refresh = false } = {}) => {
    // Two callers at once (the socket and an HTTP call of the same page) must get one
    // identity, not two guest logins of which the last one wins.
    if (fetching) return (await fetching).token;
    const stale = !session || session.expires_at - clock.now() < EXPIRY_MARGIN_MS;
    if (refresh || stale) return (await login()).token;
    return /** @type {Session} */ (session).token;
  };
}

/**
 * POSTs JSON with `wx.request` (mini-programs).
 * @param {{ request: (opts: any) => unknown }} wx
 * @returns {Post}
 */
export function wxPost(wx) {
  return (url, body, headers = {}) =>
    new Promise((resolve, reject) => {
      wx.request({
        url,
        method: 'POST',
        data: body,
        header: { ...headers, 'content-type': 'application/json' },
        success: (/** @type {{ statusCode: number, data: any }} */ res) => resolve({ status: res.statusCode, data: res.data }),
        fail: (/** @type {{ errMsg?: string }} */ err) => reject(new LoginError(0, 'network', (err && err.errMsg) || 'request failed')),
      });
    });
}

/**
 * The part of `fetch` the SDK uses.
 * @typedef {(url: string, init: { method: string, headers: Record<string, string>, body: string }) => Promise<{ status: number, json(): Promise<any> }>} FetchLike
 */

/**
 * POSTs JSON with `fetch` (browsers, Node).
 * @param {FetchLike} [fetchImpl]
 * @returns {Post}
 */
export function fetchPost(fetchImpl = globalThis.fetch) {
  return async (url, body, headers = {}) => {
    let res;
    try {
      res = await fetchImpl(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new LoginError(0, 'network', String(err));
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      /* not JSON: reported by status */
    }
    return { status: res.status, data };
  };
}

/**
 * @param {Post} post
 * @param {string} url
 * @param {unknown} body
 * @returns {Promise<Session>}
 */
async function postSession(post, url, body) {
  const { status, data } = await post(url, body);
  if (status !== 200 || typeof data?.token !== 'string') {
    throw new LoginError(status, data?.error, data?.message);
  }
  return data;
}

/**
 * WeChat login: wx.login() for a code, POST {apiBase}/api/login for our token.
 * @param {{ login: (opts: any) => unknown, request: (opts: any) => unknown }} wx
 * @param {string} apiBase e.g. 'https://arena.example.com'
 * @returns {SessionSource}
 */
export function wechatSession(wx, apiBase) {
  const post = wxPost(wx);
  /** @type {SessionSource} */
  const source = () =>
    new Promise((resolve, reject) => {
      wx.login({
        success: (/** @type {{ code: string }} */ { code }) => postSession(post, `${apiBase}/api/login`, { code }).then(resolve, reject),
        fail: (/** @type {{ errMsg?: string }} */ err) => reject(new LoginError(0, 'wx_login_failed', err && err.errMsg)),
      });
    });
  source.kind = 'wechat';
  source.api = apiBase;
  return source;
}

/**
 * A guest token: POST {apiBase}/api/guest. `post` is wxPost(wx) or fetchPost().
 * @param {string} apiBase
 * @param {Post} [post]
 * @returns {SessionSource}
 */
export function guestSession(apiBase, post = fetchPost()) {
  /** @type {SessionSource} */
  const source = () => postSession(post, `${apiBase}/api/guest`, {});
  source.kind = 'guest';
  source.api = apiBase;
  return source;
}

/**
 * Keeps sessions in a mini-program's storage, one key per kind (`<key>:wechat`,
 * `<key>:guest`).
 * @param {{ getStorageSync: (key: string) => any, setStorageSync: (key: string, value: any) => void }} wx
 * @param {string} [key]
 * @returns {SessionStore}
 */
export function wxStore(wx, key = 'edge-arena-session') {
  /** @param {string} [kind] */
  const keyOf = (kind) => (kind ? `${key}:${kind}` : key);
  return {
    load: (kind) => {
      try {
        return wx.getStorageSync(keyOf(kind)) || null;
      } catch {
        return null;
      }
    },
    save: (session, kind) => {
      try {
        wx.setStorageSync(keyOf(kind), session);
      } catch {
        /* storage full: the session lives in memory only */
      }
    },
  };
}

/**
 * Keeps sessions in a browser's localStorage (or sessionStorage), one key per kind.
 * @param {{ getItem(key: string): string | null, setItem(key: string, value: string): void }} [storage]
 * @param {string} [key]
 * @returns {SessionStore}
 */
export function webStore(storage = globalThis.localStorage, key = 'edge-arena-session') {
  /** @param {string} [kind] */
  const keyOf = (kind) => (kind ? `${key}:${kind}` : key);
  return {
    load: (kind) => {
      try {
        return JSON.parse(storage.getItem(keyOf(kind)) ?? 'null');
      } catch {
        return null;
      }
    },
    save: (session, kind) => {
      try {
        storage.setItem(keyOf(kind), JSON.stringify(session));
      } catch {
        /* private mode: memory only */
      }
    },
  };
}

/**
 * `wss://host/ws` → `https://host` (where the login API lives).
 * @param {string} wsUrl
 */
export function apiBaseOf(wsUrl) {
  return wsUrl.replace(/^ws/, 'http').replace(/\/ws\/?$/, '');
}
