// The one place the server address lives.
// Development: `npm start -- --ip 0.0.0.0` on your laptop, your laptop's LAN address here,
// and "不校验合法域名" ticked in WeChat DevTools (ws:// and IPs are refused otherwise).
// Production: wss:// on your ICP-filed domain, listed as a socket 合法域名 in the
// mini-program admin console.
//
// login: 'wechat' logs in with wx.login() (the server needs WECHAT_APPID and
// WECHAT_SECRET); 'guest' asks for a guest token (the server needs ALLOW_GUESTS=1, as
// `npm start` has it). The login API lives on the same host as the socket.
module.exports = {
  serverUrl: 'ws://127.0.0.1:8787/ws',
  login: 'guest',
};
