// What real WeChat clients put in the headers our `wx` stand-in cannot leave out: the
// `Origin` of a socket handshake, and the `Origin`, `Referer` and `Sec-Fetch-*` of a
// `wx.request`. A page cannot set these (WeChat's network docs: "网络请求的 referer
// header 不可设置"); each value below is one reported from a real device or WeChat's docs.
//
// `own` is the server's own origin (scheme://host:port of the URL the client dials).

/** WeChat's docs: `https://servicewechat.com/{appid}/{version}/page-frame.html`, where
 *  version is the release number, `0` for development/preview builds and `devtools` in
 *  the IDE (developers.weixin.qq.com/miniprogram/dev/framework/ability/network.html). */
const referer = (version) => `https://servicewechat.com/wx0123456789abcdef/${version}/page-frame.html`;

/**
 * One entry per realistic client. `socket`: the handshake's extra headers; `request`:
 * those of wx.request.
 */
export const WECHAT_HEADER_SETS = {
  // iOS mini-games: `Origin: weapp://wechat-game-runtime` on sockets
  // (wechat-miniprogram/minigame-unity-webgl-transform issue #703, Tencent's own
  // organisation; juejin.cn/post/7502486668894601231). wx.request: the fixed Referer and,
  // on a remote HTTPS server, `Sec-Fetch-Site: cross-site` (saya-ch/dsh-mobile PR #34).
  ios: (own) => ({
    socket: { Origin: 'weapp://wechat-game-runtime' },
    request: { Referer: referer(17), 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' },
  }),
  // Android: an https origin, the server's own domain by the juejin write-up above;
  // WeChat's own domain on requests (the Referer's host), as reported in issue 21.
  android: (own) => ({
    socket: { Origin: own },
    request: { Origin: 'https://servicewechat.com', Referer: referer(17), 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors' },
  }),
  // A base library that joins origins: `http://host,undefined` on wx.connectSocket, and
  // `Sec-Fetch-Site: same-site` on a LAN server (saya-ch/dsh-mobile PR #34).
  joined: (own) => ({
    socket: { Origin: `${own},undefined` },
    request: { Origin: `${own},undefined`, Referer: referer(0), 'Sec-Fetch-Site': 'same-site' },
  }),
  // WeChat DevTools: the Referer's version is `devtools` (the docs above). Its Origin is
  // WeChat's own domain here, the value issue 21 found refused; unconfirmed for the IDE.
  devtools: (own) => ({
    socket: { Origin: 'https://servicewechat.com' },
    request: { Origin: 'https://servicewechat.com', Referer: referer('devtools'), 'Sec-Fetch-Site': 'cross-site' },
  }),
  // Older base libraries and native clients: no Origin at all.
  none: (own) => ({ socket: {}, request: { Referer: referer(17) } }),
};

/** Origins a web page on another site could present: always refused. */
export const FOREIGN_ORIGINS = ['https://evil.example', 'null', 'http://evil.example,undefined'];
