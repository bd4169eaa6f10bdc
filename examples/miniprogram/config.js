// The one place the server address lives.
// Development: `npm start -- --ip 0.0.0.0` on your laptop, your laptop's LAN address here,
// and "不校验合法域名" ticked in WeChat DevTools (ws:// and IPs are refused otherwise).
// Production: wss:// on your ICP-filed domain, listed as a socket 合法域名 in the
// mini-program admin console.
module.exports = {
  serverUrl: 'ws://127.0.0.1:8787/ws',
};
