// Transports: the only code that touches a platform's WebSocket API. Each returns a
// function `url => socket` with send/close and on* callbacks, as ArenaClient expects.
// Frames are always strings (a mini-program's SocketTask also takes ArrayBuffers; the
// protocol has none).

/**
 * WeChat mini-programs: `wx.connectSocket` returns a SocketTask. At most 5 sockets may
 * be open at once per mini-program, so an abandoned task is always closed.
 * @param {any} wx the mini-program's global `wx`
 */
export function wxTransport(wx) {
  return (url, protocols) => {
    const socket = {};
    const task = wx.connectSocket(protocols ? { url, protocols } : { url });
    task.onOpen(() => socket.onopen?.());
    task.onMessage(({ data }) => socket.onmessage?.(typeof data === 'string' ? data : ''));
    task.onClose(({ code, reason }) => socket.onclose?.(code ?? 1006, reason ?? ''));
    task.onError((err) => socket.onerror?.(err));
    socket.send = (text) => task.send({ data: text });
    // SocketTask.close accepts 1000 or 3000–4999 only.
    socket.close = (code = 1000, reason = '') => task.close({ code, reason });
    return socket;
  };
}

/**
 * Browsers (and Node 22, which has the same global WebSocket).
 * @param {typeof WebSocket} [WebSocketImpl]
 */
export function browserTransport(WebSocketImpl = globalThis.WebSocket) {
  return (url, protocols) => {
    const socket = {};
    const ws = protocols ? new WebSocketImpl(url, protocols) : new WebSocketImpl(url);
    ws.onopen = () => socket.onopen?.();
    ws.onmessage = (e) => socket.onmessage?.(typeof e.data === 'string' ? e.data : '');
    ws.onclose = (e) => socket.onclose?.(e.code, e.reason);
    ws.onerror = (e) => socket.onerror?.(e);
    socket.send = (text) => ws.send(text);
    socket.close = (code = 1000, reason = '') => ws.close(code, reason);
    return socket;
  };
}
