// A stand-in for the mini-program runtime, just enough to run a page's logic in Node:
// `wx.connectSocket` opens a *real* WebSocket (Node's) and wraps it in a SocketTask;
// `Page(def)` captures the page definition; `instantiate` gives it `data`/`setData`.
// Only what WeChat itself provides is stood in for; the SDK and the page run as they are.

/** A SocketTask (https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/SocketTask.html) over a real socket. */
function socketTask(url, protocols, headers) {
  // Node's WebSocket (undici) takes extra handshake headers; WeChat adds its own
  // (see wechat-headers.mjs), which the page can neither set nor remove.
  const ws = new WebSocket(url, { protocols: protocols ?? [], headers });
  const handlers = { open: [], message: [], close: [], error: [] };
  ws.onopen = () => handlers.open.forEach((f) => f({ header: {} }));
  ws.onmessage = (e) => handlers.message.forEach((f) => f({ data: e.data }));
  ws.onclose = (e) => handlers.close.forEach((f) => f({ code: e.code, reason: e.reason }));
  ws.onerror = () => handlers.error.forEach((f) => f({ errMsg: 'socket error' }));
  return {
    onOpen: (f) => handlers.open.push(f),
    onMessage: (f) => handlers.message.push(f),
    onClose: (f) => handlers.close.push(f),
    onError: (f) => handlers.error.push(f),
    send({ data, success, fail }) {
      try { ws.send(data); success?.(); } catch (err) { fail?.({ errMsg: String(err) }); }
    },
    close({ code = 1000, reason = '' } = {}) {
      // WeChat accepts 1000 and 3000–4999 only; so does this stand-in.
      if (code !== 1000 && (code < 3000 || code > 4999)) throw new Error(`close code ${code} not allowed`);
      ws.close(code, reason);
    },
    ws,
  };
}

/**
 * Installs `wx` and `Page` on globalThis; returns the captured page definitions, the
 * sockets and requests made. `loginCode` is what wx.login() hands out. `headers`
 * (`{socket, request}`, one of wechat-headers.mjs's sets) are what this WeChat client
 * adds to every handshake and request.
 */
export function installWx({ loginCode = 'code-from-wx-login', headers = { socket: {}, request: {} } } = {}) {
  const sockets = [];
  const pages = [];
  const requests = [];
  const storage = new Map();
  globalThis.wx = {
    connectSocket({ url, protocols }) {
      if (sockets.filter((t) => t.ws.readyState <= 1).length >= 5) {
        throw new Error('wx.connectSocket: at most 5 sockets may be open at once');
      }
      const task = socketTask(url, protocols, headers.socket);
      sockets.push(task);
      return task;
    },
    login({ success }) {
      setTimeout(() => success({ code: loginCode, errMsg: 'login:ok' }), 0);
    },
    // wx.request over real HTTP (fetch): JSON bodies, data parsed as WeChat does.
    request({ url, method = 'GET', data, header = {}, success, fail }) {
      requests.push({ url, method, data });
      // WeChat's own headers win: a page cannot set Referer or Origin.
      const sent = { ...header, ...headers.request };
      fetch(url, { method, headers: sent, body: method === 'GET' ? undefined : JSON.stringify(data) })
        .then(async (res) => {
          const text = await res.text();
          let body = text;
          try { body = JSON.parse(text); } catch { /* WeChat hands over text as it is */ }
          success?.({ statusCode: res.status, data: body, header: Object.fromEntries(res.headers) });
        })
        .catch((err) => fail?.({ errMsg: `request:fail ${err.message}` }));
    },
    getStorageSync: (key) => storage.get(key) ?? '',
    setStorageSync: (key, value) => storage.set(key, structuredClone(value)),
  };
  globalThis.Page = (def) => pages.push(def);
  return { sockets, pages, requests, storage };
}

/** A page instance as the mini-program runtime makes one: data, setData, the handlers. */
export function instantiate(def) {
  const page = Object.create(def);
  page.data = structuredClone(def.data);
  page.setData = (patch) => { Object.assign(page.data, patch); page.onSetData?.(page.data); };
  return page;
}

/** Waits until `predicate(page.data)` holds, or fails after `timeout` ms. */
export function waitForData(page, predicate, timeout = 15_000) {
  return new Promise((resolve, reject) => {
    if (predicate(page.data)) return resolve(page.data);
    const timer = setTimeout(() => reject(new Error(`page data never matched: ${JSON.stringify(page.data)}`)), timeout);
    page.onSetData = (data) => {
      if (predicate(data)) { clearTimeout(timer); page.onSetData = null; resolve(data); }
    };
  });
}
