// Transports: the only code that touches a platform's WebSocket API. Each returns a
// function `(url, protocols) => socket` with send/close and on* callbacks, as
// ArenaClient expects, and may carry a `lifecycle` that reports the app going to the
// background and coming back. Frames are always strings (a mini-program's SocketTask
// also takes ArrayBuffers; the protocol has none).

/** @typedef {import('./arena.js').Transport} Transport */
/** @typedef {import('./arena.js').TransportSocket} TransportSocket */

/**
 * The parts of a mini-program's `wx` the SDK uses (see miniprogram-api-typings for the
 * full API).
 * @typedef {object} WxLike
 * @property {(opts: { url: string, protocols?: string[], fail?: (err: { errMsg: string }) => void }) => any} connectSocket
 * @property {(fn: () => void) => void} [onAppHide]
 * @property {(fn: () => void) => void} [onAppShow]
 * @property {(fn: () => void) => void} [offAppHide]
 * @property {(fn: () => void) => void} [offAppShow]
 */

/**
 * WeChat mini-programs: `wx.connectSocket` returns a SocketTask. At most 5 sockets may
 * be open at once per mini-program, so an abandoned task is always closed.
 *
 * The app's lifecycle comes from `wx.onAppHide` / `wx.onAppShow`: about 5 s after a
 * mini-program goes to the background WeChat closes its sockets (code 1000, reason
 * "interrupted") and refuses network calls until it is shown again, so the client waits
 * for the show and reconnects at once then. A page needs no code for it.
 * @param {WxLike} wx the mini-program's global `wx`
 * @returns {Transport}
 */
export function wxTransport(wx) {
  /** @type {Transport} */
  const transport = (url, protocols) => {
    /** @type {TransportSocket} */
    const socket = { send: () => {}, close: () => {} };
    let opened = false;
    let closed = false;
    /** @param {number} code @param {string} reason */
    const lost = (code, reason) => {
      if (closed) return;
      closed = true;
      // Later than now: a `fail` may come before connectSocket returns, before the
      // client has set onclose.
      Promise.resolve().then(() => socket.onclose?.(code, reason));
    };
    const task = wx.connectSocket({
      url,
      ...(protocols ? { protocols } : {}),
      // A refused call (too many sockets, the app in the background) never opens.
      fail: (err) => lost(1006, (err && err.errMsg) || 'connectSocket:fail'),
    });
    task.onOpen(() => { opened = true; socket.onopen?.(); });
    task.onMessage(/** @param {{ data: unknown }} m */ ({ data }) => socket.onmessage?.(typeof data === 'string' ? data : ''));
    task.onClose(/** @param {{ code?: number, reason?: string }} e */ ({ code, reason }) => lost(code ?? 1006, reason ?? ''));
    task.onError(/** @param {unknown} err */ (err) => {
      socket.onerror?.(err);
      // A handshake that fails may report only the error: treat it as the close.
      if (!opened) lost(1006, 'handshake failed');
    });
    socket.send = (text) => task.send({ data: text });
    // SocketTask.close accepts 1000 or 3000–4999 only; the client closes with 1000.
    socket.close = (code = 1000, reason = '') => task.close({ code, reason });
    return socket;
  };
  if (typeof wx.onAppHide === 'function' && typeof wx.onAppShow === 'function') {
    const onAppHide = wx.onAppHide.bind(wx);
    const onAppShow = wx.onAppShow.bind(wx);
    transport.lifecycle = (onHide, onShow) => {
      const hide = () => onHide();
      const show = () => onShow();
      onAppHide(hide);
      onAppShow(show);
      return () => {
        wx.offAppHide?.(hide);
        wx.offAppShow?.(show);
      };
    };
  }
  return transport;
}

/**
 * Browsers (and Node 22, which has the same global WebSocket). A hidden tab keeps its
 * sockets, so there is no lifecycle.
 * @param {any} [WebSocketImpl] the WebSocket class (default: the global one)
 * @returns {Transport}
 */
export function browserTransport(WebSocketImpl = globalThis.WebSocket) {
  return (url, protocols) => {
    /** @type {TransportSocket} */
    const socket = { send: () => {}, close: () => {} };
    const ws = protocols ? new WebSocketImpl(url, protocols) : new WebSocketImpl(url);
    ws.onopen = () => socket.onopen?.();
    ws.onmessage = (/** @type {{ data: unknown }} */ e) => socket.onmessage?.(typeof e.data === 'string' ? e.data : '');
    ws.onclose = (/** @type {{ code: number, reason: string }} */ e) => socket.onclose?.(e.code, e.reason);
    ws.onerror = (/** @type {unknown} */ e) => socket.onerror?.(e);
    socket.send = (text) => ws.send(text);
    socket.close = (code = 1000, reason = '') => ws.close(code, reason);
    return socket;
  };
}
