// A local stand-in for WeChat's `jscode2session` (GET /sns/jscode2session), a real HTTP
// server on a free loopback port that answers as WeChat does: HTTP 200 with JSON, an
// `errcode` for failures. Login codes choose the answer:
//   anything starting with `good-` → openid `o-<rest>` and a session_key;
//   `bad-…` → 40029 (invalid code); `busy-…` → 45011 (rate limited);
//   `risky-…` → 40226; `broken-…` → a non-JSON answer.
// A wrong appid or secret gets 40013 / 40125, as from WeChat.
//
// Sources, per behaviour:
// - GET with appid, secret, js_code and grant_type=authorization_code; success is
//   openid + session_key, failure an `errcode`/`errmsg` pair; 40029 invalid code, 45011
//   rate limited (one user at most 100 calls a minute), 40226 high-risk user: the
//   code2Session reference,
//   https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html
// - 40013 invalid appid, 40125 invalid appsecret, 40002 invalid grant_type: WeChat's
//   global return codes,
//   https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html
// - Failures come with HTTP 200, so the status alone says nothing: both pages give the
//   errors only as `errcode` in the body.
// - `text/plain` as the content type is not in the docs. The stand-in sends it on
//   purpose, so a client that trusts the content type instead of parsing the body
//   fails here and not on a device. A body that is not JSON at all (`broken-…`) stands
//   for a gateway page between us and WeChat.
import { createServer } from 'node:http';

export const APPID = 'wx0123456789abcdef';
export const APP_SECRET = 'stand-in-app-secret-0123456789ab';
/** Every session_key the stand-in hands out contains this, so tests can look for leaks. */
export const SESSION_KEY_MARK = 'SESSIONKEY';

export async function startWechat() {
  const calls = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://stand-in');
    const q = Object.fromEntries(url.searchParams);
    calls.push({ path: url.pathname, ...q });
    const send = (body) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // WeChat's content type
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url.pathname !== '/sns/jscode2session' || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    if (q.appid !== APPID) return send({ errcode: 40013, errmsg: 'invalid appid' });
    if (q.secret !== APP_SECRET) return send({ errcode: 40125, errmsg: 'invalid appsecret' });
    if (q.grant_type !== 'authorization_code') return send({ errcode: 40002, errmsg: 'invalid grant_type' });
    const code = q.js_code ?? '';
    if (code.startsWith('good-')) {
      return send({ openid: `o-${code.slice(5)}`, session_key: `${SESSION_KEY_MARK}-${code}==` });
    }
    if (code.startsWith('busy-')) return send({ errcode: 45011, errmsg: 'api minute-quota reach limit' });
    if (code.startsWith('risky-')) return send({ errcode: 40226, errmsg: 'high risk user' });
    if (code.startsWith('broken-')) return send('<html>502 Bad Gateway</html>');
    return send({ errcode: 40029, errmsg: 'invalid code' });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
