// A stand-in for the mini-program runtime that behaves like WeChat where it matters, so
// the SDK and the example mini-program run here as they are and meet WeChat's unkindness:
//
// - The mini-program's code runs in its own `vm` context, as in WeChat's logic layer (the
//   "AppService" JS engine, not a browser and not Node): `wx`, `App`, `Page`, `getApp`,
//   `getCurrentPages`, CommonJS `require` of the project's own files, `console` and the
//   timers exist (https://developers.weixin.qq.com/miniprogram/dev/framework/app-service/,
//   https://developers.weixin.qq.com/miniprogram/dev/framework/app-service/module.html).
//   That page says the logic layer is no browser, so web capabilities such as `window`
//   and `document` are missing; the browser APIs a mini-program reaches through `wx`
//   instead are missing here too: `WebSocket`, `fetch`, `URL`, `TextEncoder`,
//   `localStorage`; and nothing of Node's (`process`, its `require`).
// - `wx.connectSocket` opens a *real* WebSocket (Node's) wrapped in a SocketTask
//   (https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/SocketTask.html):
//   at most 5 sockets open at once
//   (https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/wx.connectSocket.html,
//   "并发数": 1.7.0 及以上版本，最多可以同时存在 5 个 WebSocket 连接), so a 6th call fails
//   (its `fail` and onError; the errMsg wording is this stand-in's);
//   `send` takes a string or an ArrayBuffer only
//   (https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/SocketTask.send.html),
//   and only once open ("需要先 wx.connectSocket，并在 wx.onSocketOpen 回调之后才能发送",
//   https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/wx.sendSocketMessage.html);
//   `close` takes 1000 or 3000–4999 (the WebSocket API's rule,
//   https://websockets.spec.whatwg.org/#dom-websocket-close, which SocketTask.close's
//   `code` follows: https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/SocketTask.close.html)
//   and a reason of at most 123 bytes; anything else fails and the socket stays open.
// - The background: `hide()` runs App.onHide, the page's onHide and every wx.onAppHide
//   listener. 5 s later WeChat interrupts the network: every socket is closed and its
//   onClose gets code 1000 with reason "interrupted" (developers who logged it:
//   https://developers.weixin.qq.com/community/develop/doc/0002a4fcfe4b00b104772017351409,
//   "小程序切换到后台，被微信杀掉，需要重连连接: code == 1000 && reason == 'interrupted'"),
//   a request not finished by then fails with "request:fail interrupted", and until the
//   app is shown again every network call fails
//   (https://developers.weixin.qq.com/miniprogram/dev/framework/ability/network.html:
//   "小程序进入后台运行后，如果 5s 内网络请求没有结束，会回调错误信息 fail interrupted；在回到前台之前，
//   网络请求接口调用都会无法调用"). At the same moment WeChat suspends the mini-program's JS:
//   no timer fires and no callback runs until it is shown again, when the events and
//   callbacks held meanwhile are delivered
//   (https://developers.weixin.qq.com/miniprogram/dev/framework/runtime/operating-mechanism.html,
//   1.3 挂起: "小程序进入「后台」状态一段时间后（目前是 5 秒），微信会停止小程序 JS 线程的执行……
//   事件和接口回调会在小程序再次进入「前台」时触发"), so the page learns of the closed
//   socket only on show. `show()` runs wx.onAppShow listeners, App.onShow and the page's
//   onShow, then delivers what was held (the docs give no order; this one is the less kind
//   to a client: it still believes its socket open when it is shown).
// - `wx.request` goes over real HTTP; WeChat adds its own headers (see
//   wechat-headers.mjs), which the page can neither set nor remove.
// - `setData` copies the data it is given (it crosses to the render layer as JSON), and
//   takes plain keys only here (WeChat's "a.b[0]" paths are not stood in for).
// - Sharing: `wx.showShareMenu({withShareTicket, menus})` shows the 转发 button of the
//   page's menu (https://developers.weixin.qq.com/miniprogram/dev/api/share/wx.showShareMenu.html;
//   menus: "shareAppMessage", "shareTimeline"; anything else fails here). `share(page,
//   {from})` is the user tapping 转发 in the menu (from 'menu') or a <button
//   open-type="share"> (from 'button'): WeChat calls the page's
//   onShareAppMessage({from, target}) and makes the card from what it returns: `title`
//   (default: the mini-program's name), `path` ("必须是以 / 开头的完整路径", default: the
//   current page's path, without its query) and `imageUrl`; only a page that defines
//   onShareAppMessage has 转发 at all ("只有定义了此事件处理函数，右上角菜单才会显示「转发」按钮";
//   https://developers.weixin.qq.com/miniprogram/dev/reference/api/Page.html#onShareAppMessage-Object-object).
//   A returned `promise` (base library 2.12.0) is not stood in for. `launchShared(path)`
//   is a friend tapping the card in a chat: the mini-program starts at that page with
//   the path's query (App.onLaunch gets {path, query, scene: 1007}, "单人聊天会话中的小程序
//   消息卡片", https://developers.weixin.qq.com/miniprogram/dev/reference/scene-list.html),
//   and the page's onLoad gets the query. Query values are handed over as they are in
//   the path (its decoding is not stood in for; room codes need none).
//
// Not stood in for: the background music/location abilities that keep a mini-program
// running in the background.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import vm from 'node:vm';

import { ROOT } from './server.mjs';

/** The example mini-program. */
export const MINIPROGRAM = join(ROOT, 'examples', 'miniprogram');
/** How long after hiding WeChat interrupts the network (the docs' and reports' 5 s). */
export const BACKGROUND_CUTOFF_MS = 5000;
/** Sockets a mini-program may have open at once. */
export const MAX_SOCKETS = 5;

const isArrayBuffer = (v) => Object.prototype.toString.call(v) === '[object ArrayBuffer]';

/**
 * The mini-program's JS thread: what it runs now, or, while WeChat has it suspended,
 * holds until it resumes. Its timers are the ones the mini-program's code gets.
 */
function jsThread() {
  let suspended = false;
  const held = [];
  const cancelled = new WeakSet();
  const run = (fn) => { if (suspended) held.push(fn); else fn(); };
  return {
    run,
    /** WeChat calls back asynchronously, never inside the call. */
    later: (fn) => { setTimeout(() => run(fn), 0); },
    suspend() { suspended = true; },
    resume() {
      suspended = false;
      for (const fn of held.splice(0)) fn();
    },
    timers: {
      setTimeout: (fn, ms, ...args) => {
        const handle = setTimeout(() => run(() => { if (!cancelled.has(handle)) fn(...args); }), ms);
        return handle;
      },
      clearTimeout: (handle) => { if (handle) cancelled.add(handle); clearTimeout(handle); },
      setInterval: (fn, ms, ...args) => {
        let waiting = false; // ticks missed while suspended come back as one
        const handle = setInterval(() => {
          if (waiting) return;
          waiting = true;
          run(() => { waiting = false; if (!cancelled.has(handle)) fn(...args); });
        }, ms);
        return handle;
      },
      clearInterval: (handle) => { if (handle) cancelled.add(handle); clearInterval(handle); },
    },
  };
}

/** A SocketTask over a real socket; its events reach the mini-program through `js`. */
function socketTask(url, protocols, headers, js) {
  const { later } = js;
  // Node's WebSocket (undici) takes extra handshake headers; WeChat adds its own.
  const ws = new WebSocket(url, { protocols: protocols ?? [], headers });
  const handlers = { open: [], message: [], close: [], error: [] };
  const task = {
    /** 0 connecting, 1 open, 2 closing, 3 closed, as SocketTask.readyState */
    get readyState() { return ws.readyState; },
    interrupted: false,
    closedWith: null,
    onOpen: (f) => handlers.open.push(f),
    onMessage: (f) => handlers.message.push(f),
    onClose: (f) => handlers.close.push(f),
    onError: (f) => handlers.error.push(f),
    send({ data, success, fail, complete } = {}) {
      let errMsg = null;
      if (typeof data !== 'string' && !isArrayBuffer(data)) errMsg = 'sendSocketMessage:fail parameter error: data should be String or ArrayBuffer';
      else if (ws.readyState !== 1) errMsg = 'sendSocketMessage:fail WebSocket is not connected';
      if (errMsg) {
        later(() => { fail?.({ errMsg }); complete?.({ errMsg }); });
        return;
      }
      ws.send(data);
      later(() => { success?.({ errMsg: 'sendSocketMessage:ok' }); complete?.({ errMsg: 'sendSocketMessage:ok' }); });
    },
    close({ code = 1000, reason = '', success, fail, complete } = {}) {
      let errMsg = null;
      if (code !== 1000 && (code < 3000 || code > 4999)) errMsg = `closeSocket:fail code ${code} is not 1000 or 3000-4999`;
      else if (Buffer.byteLength(String(reason)) > 123) errMsg = 'closeSocket:fail reason longer than 123 bytes';
      if (errMsg) {
        later(() => { fail?.({ errMsg }); complete?.({ errMsg }); });
        return;
      }
      ws.close(code, reason);
      later(() => { success?.({ errMsg: 'closeSocket:ok' }); complete?.({ errMsg: 'closeSocket:ok' }); });
    },
    /** WeChat closes the socket itself: onClose says 1000 "interrupted". */
    interrupt() {
      if (ws.readyState >= 2) return;
      task.interrupted = true;
      ws.close(1000, 'interrupted');
    },
    ws,
  };
  ws.onopen = () => js.run(() => handlers.open.forEach((f) => f({ header: {} })));
  ws.onmessage = (e) => js.run(() => handlers.message.forEach((f) => f({ data: e.data })));
  ws.onclose = (e) => {
    const event = task.interrupted ? { code: 1000, reason: 'interrupted' } : { code: e.code, reason: e.reason };
    task.closedWith = event; // for the test: when it closed, whether or not the page knows yet
    js.run(() => handlers.close.forEach((f) => f(event)));
  };
  ws.onerror = () => js.run(() => handlers.error.forEach((f) => f({ errMsg: 'socket error' })));
  return task;
}

/** A SocketTask for a call WeChat refused: `fail` and onError, never open. */
function refusedTask(errMsg, fail, js) {
  const { later } = js;
  const handlers = { error: [] };
  later(() => {
    fail?.({ errMsg });
    handlers.error.forEach((f) => f({ errMsg }));
  });
  const nop = () => {};
  return {
    readyState: 3,
    refused: errMsg,
    onOpen: nop, onMessage: nop, onClose: nop,
    onError: (f) => handlers.error.push(f),
    send: ({ fail: f } = {}) => later(() => f?.({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' })),
    close: nop,
  };
}

/**
 * Makes a mini-program runtime for the project at `root` (the example by default).
 * `loginCode` is what wx.login() hands out. `headers` (`{socket, request}`, one of
 * wechat-headers.mjs's sets) are what this WeChat client adds to every handshake and
 * request. Returns the runtime: its `wx`, the sockets and requests made, `require` (a
 * module of the project, run in the mini-program's context), `launch()`, `open(route)`,
 * `hide()` and `show()`.
 */
export function installWx({ loginCode = 'code-from-wx-login', headers = { socket: {}, request: {} }, root = MINIPROGRAM } = {}) {
  root = resolve(root);
  const sockets = [];
  const refused = []; // connectSocket calls WeChat refused: {url, errMsg}
  const requests = [];
  const storage = new Map();
  const appListeners = { hide: new Set(), show: new Set() };
  const inflight = new Set();
  const stack = [];
  const pageDefs = new Map();
  let app = null;
  let appDef = null;
  let hidden = false;
  let cutOff = false; // 5 s into the background: the network is interrupted
  let cutoffTimer = null;
  const js = jsThread();
  const { later } = js;

  const wx = {
    connectSocket({ url, protocols, fail, success }) {
      const refuse = (errMsg) => { refused.push({ url, errMsg }); return refusedTask(errMsg, fail, js); };
      if (cutOff) return refuse('connectSocket:fail interrupted');
      if (sockets.filter((t) => t.readyState <= 1).length >= MAX_SOCKETS) {
        return refuse(`connectSocket:fail exceed max task count (${MAX_SOCKETS} sockets open)`);
      }
      const task = socketTask(url, protocols, headers.socket, js);
      sockets.push(task);
      later(() => success?.({ errMsg: 'connectSocket:ok' }));
      return task;
    },
    login({ success }) {
      later(() => success({ code: loginCode, errMsg: 'login:ok' }));
    },
    // wx.request over real HTTP (fetch): JSON bodies, data parsed as WeChat does.
    request({ url, method = 'GET', data, header = {}, success, fail, complete }) {
      requests.push({ url, method, data: data === undefined ? undefined : JSON.parse(JSON.stringify(data)) });
      const failWith = (errMsg) => js.run(() => { fail?.({ errMsg }); complete?.({ errMsg }); });
      if (cutOff) {
        later(() => failWith('request:fail interrupted'));
        return { abort() {} };
      }
      const call = { done: false, fail: failWith };
      inflight.add(call);
      // WeChat's own headers win: a page cannot set Referer or Origin.
      const sent = { ...header, ...headers.request };
      fetch(url, { method, headers: sent, body: method === 'GET' ? undefined : JSON.stringify(data) })
        .then(async (res) => {
          const text = await res.text();
          if (call.done) return;
          let body = text;
          try { body = JSON.parse(text); } catch { /* WeChat hands over text as it is */ }
          call.done = true;
          inflight.delete(call);
          const answer = { statusCode: res.status, data: body, header: Object.fromEntries(res.headers), errMsg: 'request:ok' };
          js.run(() => { success?.(answer); complete?.(answer); });
        })
        .catch((err) => {
          if (call.done) return;
          call.done = true;
          inflight.delete(call);
          failWith(`request:fail ${err.message}`);
        });
      return { abort() {} };
    },
    getStorageSync: (key) => (storage.has(key) ? structuredClone(storage.get(key)) : ''),
    setStorageSync: (key, value) => { storage.set(key, JSON.parse(JSON.stringify(value))); },
    removeStorageSync: (key) => { storage.delete(key); },
    onAppHide: (f) => appListeners.hide.add(f),
    onAppShow: (f) => appListeners.show.add(f),
    offAppHide: (f) => appListeners.hide.delete(f),
    offAppShow: (f) => appListeners.show.delete(f),
    navigateTo({ url, success }) {
      later(() => success?.({ errMsg: 'navigateTo:ok' }));
      runtime.navigations.push(url);
    },
    showShareMenu({ withShareTicket = false, menus = ['shareAppMessage'], success, fail, complete } = {}) {
      const unknown = menus.filter((m) => m !== 'shareAppMessage' && m !== 'shareTimeline');
      if (unknown.length) {
        const errMsg = `showShareMenu:fail invalid menus ${unknown.join(', ')}`;
        later(() => { fail?.({ errMsg }); complete?.({ errMsg }); });
        return;
      }
      runtime.shareMenu = { withShareTicket, menus: [...menus], page: stack.at(-1)?.route };
      later(() => { success?.({ errMsg: 'showShareMenu:ok' }); complete?.({ errMsg: 'showShareMenu:ok' }); });
    },
  };

  // The mini-program's global scope: what WeChat's logic layer provides, nothing of
  // Node's or a browser's.
  const globals = {
    wx,
    console,
    ...js.timers,
    App: (def) => { appDef = def; },
    Page: (def) => { pageDefs.set(loading, def); },
    getApp: () => app,
    getCurrentPages: () => stack.slice(),
  };
  const context = vm.createContext(globals, { name: 'mini-program logic layer' });
  // The default title of a share card: the mini-program's name (project.config.json's
  // projectname here, which WeChat DevTools shows as the project's name).
  let appName = 'mini-program';
  try {
    appName = JSON.parse(readFileSync(join(root, 'project.config.json'), 'utf8')).projectname ?? appName;
  } catch { /* no project config: the fallback */ }
  const modules = new Map();
  let loading = null; // the module being run, for Page()

  /** CommonJS as the mini-program has it: the project's own files, relative paths. */
  function requireFrom(fromDir) {
    return (spec) => {
      if (typeof spec !== 'string' || !(spec.startsWith('.') || spec.startsWith('/'))) {
        throw new Error(`require(${JSON.stringify(spec)}): a mini-program can only require its own files (no Node modules)`);
      }
      let file = spec.startsWith('/') ? join(root, spec) : resolve(fromDir, spec);
      if (!file.endsWith('.js')) file += '.js';
      if (!file.startsWith(root + sep)) throw new Error(`require(${JSON.stringify(spec)}): outside the mini-program`);
      if (modules.has(file)) return modules.get(file).exports;
      const module = { exports: {} };
      modules.set(file, module);
      const code = readFileSync(file, 'utf8');
      const fn = vm.runInContext(`(function (module, exports, require) {${code}\n})`, context, { filename: file });
      const outer = loading;
      loading = file.slice(root.length + 1, -3).split(sep).join('/');
      try {
        fn(module, module.exports, requireFrom(dirname(file)));
      } finally {
        loading = outer;
      }
      return module.exports;
    };
  }
  const requireModule = requireFrom(root);

  function interruptNetwork() {
    cutOff = true;
    js.suspend();
    for (const task of sockets) task.interrupt();
    for (const call of inflight) {
      call.done = true;
      call.fail('request:fail interrupted');
    }
    inflight.clear();
  }

  const runtime = {
    wx,
    sockets,
    refused,
    requests,
    storage,
    navigations: [],
    context,
    /** Runs a module of the project (path relative to its root) in its context. */
    require: (path) => requireModule(path.startsWith('.') || path.startsWith('/') ? `/${path.replace(/^[./]+/, '')}` : `/${path}`),
    /** Starts the app: app.js, App.onLaunch, App.onShow. */
    launch(options = { path: 'pages/index/index', query: {}, scene: 1001 }) {
      requireModule('/app.js');
      if (!appDef) throw new Error('app.js did not call App()');
      app = Object.create(appDef);
      app.globalData = structuredClone(appDef.globalData ?? {});
      app.onLaunch?.(options);
      app.onShow?.(options);
      return app;
    },
    /** The page definition registered by `route`'s module (e.g. 'pages/index/index'). */
    pageDef(route) {
      if (!pageDefs.has(route)) requireModule(`/${route}.js`);
      const def = pageDefs.get(route);
      if (!def) throw new Error(`${route}.js did not call Page()`);
      return def;
    },
    /** Opens a page on top: instance, onLoad(query), onShow(). */
    open(route, query = {}) {
      const page = instantiate(runtime.pageDef(route));
      page.route = route;
      stack.at(-1)?.onHide?.();
      stack.push(page);
      page.onLoad?.(query);
      page.onShow?.();
      return page;
    },
    /** What the page's wx.showShareMenu last asked for (null: never called). */
    shareMenu: null,
    /**
     * The user shares `page` (see the header): the card WeChat sends, `{title, path,
     * imageUrl}`, from the page's onShareAppMessage and WeChat's defaults.
     */
    share(page, { from = 'menu' } = {}) {
      if (typeof page.onShareAppMessage !== 'function') {
        throw new Error(`${page.route}: no onShareAppMessage, so WeChat shows no 转发 for this page`);
      }
      const custom = page.onShareAppMessage({ from, target: from === 'button' ? { dataset: {} } : undefined }) ?? {};
      const card = { title: appName, path: `/${page.route}`, imageUrl: undefined, ...custom };
      if (typeof card.path !== 'string' || !card.path.startsWith('/')) {
        throw new Error(`${page.route}: share path ${JSON.stringify(card.path)} must be a full path starting with /`);
      }
      return card;
    },
    /**
     * A friend taps a share card with `path` (e.g. '/pages/index/index?room=K7M2PQ'):
     * this mini-program starts there. Returns the page.
     */
    launchShared(path) {
      const [route, search = ''] = path.replace(/^\//, '').split('?');
      const query = Object.fromEntries(search.split('&').filter(Boolean).map((pair) => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      }));
      runtime.launch({ path: route, query, scene: 1007 });
      return runtime.open(route, query);
    },
    /** Closes the top page (onUnload). */
    close(page = stack.at(-1)) {
      const i = stack.indexOf(page);
      if (i >= 0) stack.splice(i, 1);
      page.onUnload?.();
    },
    get hidden() { return hidden; },
    /** The user leaves the mini-program (home button, another app); see the header. */
    hide() {
      if (hidden) return;
      hidden = true;
      app?.onHide?.();
      stack.at(-1)?.onHide?.();
      for (const f of [...appListeners.hide]) f();
      cutoffTimer = setTimeout(interruptNetwork, BACKGROUND_CUTOFF_MS);
    },
    /** Back to the foreground. */
    show() {
      if (!hidden) return;
      hidden = false;
      cutOff = false;
      clearTimeout(cutoffTimer);
      const options = { path: stack.at(-1)?.route ?? '', query: {}, scene: 1001 };
      for (const f of [...appListeners.show]) f(options);
      app?.onShow?.(options);
      stack.at(-1)?.onShow?.();
      js.resume(); // then what happened while suspended
    },
    /** True while WeChat has the mini-program's JS suspended (5 s into the background). */
    get suspended() { return cutOff; },
    /** How many wx.onAppHide / wx.onAppShow listeners are registered. */
    lifecycleListeners: () => ({ hide: appListeners.hide.size, show: appListeners.show.size }),
    /** Unloads every page and stops the background timer. */
    dispose() {
      clearTimeout(cutoffTimer);
      while (stack.length) runtime.close(stack.at(-1));
    },
  };
  return runtime;
}

/**
 * A page instance as the mini-program runtime makes one: data (a copy), setData, the
 * handlers. `setData` copies what it is given, as the trip to the render layer does.
 */
export function instantiate(def) {
  const page = Object.create(def);
  page.data = structuredClone(def.data ?? {});
  page.setData = (patch, callback) => {
    for (const [key, value] of Object.entries(patch)) {
      if (/[.[]/.test(key)) throw new Error(`setData path keys ("${key}") are not stood in for`);
      page.data[key] = value === undefined ? undefined : structuredClone(value);
    }
    page.onSetData?.(page.data);
    if (callback) setTimeout(callback, 0);
  };
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
