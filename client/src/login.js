// Session tokens for ArenaClient's `auth` option.
//
//   const auth = sessionAuth(wechatSession(wx, 'https://arena.example.com'), { store: wxStore(wx) });
//   new ArenaClient({ url, transport: wxTransport(wx), auth });
//
// A mini-program logs in with wx.login() + POST /api/login (the server exchanges the
// code with WeChat and answers with its own signed token); a browser asks for a guest
// token with POST /api/guest. Either way the token is kept until shortly before it
// expires, and replaced when the server refuses it.

import { systemClock } from './arena.js';

/** A token this close to its expiry is replaced before use. */
const EXPIRY_MARGIN_MS = 60_000;

/** An error from the login API: `status` and the server's stable `error` code. */
export class LoginError extends Error {
  constructor(status, error, message) {
    super(message || error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }
}

/**
 * Wraps `fetchSession` (a function returning `{token, expires_at}`) into an `auth`
 * callback that reuses the session until it nearly expires or the server refuses it.
 * `store` ({load, save}) keeps it across app launches.
 */
export function sessionAuth(fetchSession, { clock = systemClock, store } = {}) {
  let session = store?.load() ?? null;
  return async ({ refresh = false } = {}) => {
    const stale = !session?.token || session.expires_at - clock.now() < EXPIRY_MARGIN_MS;
    if (refresh || stale) {
      session = await fetchSession();
      store?.save(session);
    }
    return session.token;
  };
}

/** POSTs JSON with `wx.request` (mini-programs). */
export function wxPost(wx) {
  return (url, body) =>
    new Promise((resolve, reject) => {
      wx.request({
        url,
        method: 'POST',
        data: body,
        header: { 'content-type': 'application/json' },
        success: (res) => resolve({ status: res.statusCode, data: res.data }),
        fail: (err) => reject(new LoginError(0, 'network', err?.errMsg || 'request failed')),
      });
    });
}

/** POSTs JSON with `fetch` (browsers, Node). */
export function fetchPost(fetchImpl = globalThis.fetch) {
  return async (url, body) => {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await res.json();
    } catch {
      /* not JSON: reported by status */
    }
    return { status: res.status, data };
  };
}

async function postSession(post, url, body) {
  const { status, data } = await post(url, body);
  if (status !== 200 || typeof data?.token !== 'string') {
    throw new LoginError(status, data?.error, data?.message);
  }
  return data;
}

/** WeChat login: wx.login() for a code, POST {apiBase}/api/login for our token. */
export function wechatSession(wx, apiBase) {
  const post = wxPost(wx);
  return () =>
    new Promise((resolve, reject) => {
      wx.login({
        success: ({ code }) => postSession(post, `${apiBase}/api/login`, { code }).then(resolve, reject),
        fail: (err) => reject(new LoginError(0, 'wx_login_failed', err?.errMsg)),
      });
    });
}

/** A guest token: POST {apiBase}/api/guest. `post` is wxPost(wx) or fetchPost(). */
export function guestSession(apiBase, post = fetchPost()) {
  return () => postSession(post, `${apiBase}/api/guest`, {});
}

/** Keeps the session in a mini-program's storage. */
export function wxStore(wx, key = 'edge-arena-session') {
  return {
    load: () => {
      try {
        return wx.getStorageSync(key) || null;
      } catch {
        return null;
      }
    },
    save: (session) => {
      try {
        wx.setStorageSync(key, session);
      } catch {
        /* storage full: the session lives in memory only */
      }
    },
  };
}

/** Keeps the session in a browser's localStorage. */
export function webStore(storage = globalThis.localStorage, key = 'edge-arena-session') {
  return {
    load: () => {
      try {
        return JSON.parse(storage.getItem(key) ?? 'null');
      } catch {
        return null;
      }
    },
    save: (session) => {
      try {
        storage.setItem(key, JSON.stringify(session));
      } catch {
        /* private mode: memory only */
      }
    },
  };
}

/** `wss://host/ws` → `https://host` (where the login API lives). */
export function apiBaseOf(wsUrl) {
  return wsUrl.replace(/^ws/, 'http').replace(/\/ws\/?$/, '');
}
