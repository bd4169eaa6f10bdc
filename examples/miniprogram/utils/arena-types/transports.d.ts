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
export function wxTransport(wx: WxLike): Transport;
/**
 * Browsers (and Node 22, which has the same global WebSocket). A hidden tab keeps its
 * sockets, so there is no lifecycle.
 * @param {any} [WebSocketImpl] the WebSocket class (default: the global one)
 * @returns {Transport}
 */
export function browserTransport(WebSocketImpl?: any): Transport;
export type Transport = import("./arena.js").Transport;
export type TransportSocket = import("./arena.js").TransportSocket;
/**
 * The parts of a mini-program's `wx` the SDK uses (see miniprogram-api-typings for the
 * full API).
 */
export type WxLike = {
    connectSocket: (opts: {
        url: string;
        protocols?: string[];
        fail?: (err: {
            errMsg: string;
        }) => void;
    }) => any;
    onAppHide?: ((fn: () => void) => void) | undefined;
    onAppShow?: ((fn: () => void) => void) | undefined;
    offAppHide?: ((fn: () => void) => void) | undefined;
    offAppShow?: ((fn: () => void) => void) | undefined;
};
