// Counting wrapper around the reference server lobby-floor (its src/index.js, used as it
// is). The Lobby class is subclassed: the subclass counts handler calls and, once the
// real constructor has run, swaps this.ctx for a state whose storage is counted
// (counting.js). The Worker answers GET /__counts and otherwise forwards as before.
import floorWorker, { Lobby as RealLobby } from "./peer/src/index.js";
import { count, wrapState, snapshotResponse } from "./counting.js";

const cls = "lobby";

export class Lobby extends RealLobby {
  constructor(ctx, env) {
    count(`${cls}.constructed`);
    super(ctx, env);
    // DurableObject's constructor wants the real ctx; the lobby reads this.ctx afterwards.
    Object.defineProperty(this, "ctx", { value: wrapState(ctx, cls), writable: true, configurable: true });
  }
  fetch(request) { count(`${cls}.fetch ${new URL(request.url).pathname}`); return super.fetch(request); }
  alarm(...args) { count(`${cls}.alarm`); return super.alarm(...args); }
  webSocketMessage(ws, message) { count(`${cls}.webSocketMessage`); return super.webSocketMessage(ws, message); }
  webSocketClose(...args) { count(`${cls}.webSocketClose`); return super.webSocketClose(...args); }
  webSocketError(...args) { count(`${cls}.webSocketError`); return super.webSocketError(...args); }
}

export default {
  fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === "/__counts") return snapshotResponse();
    count(`worker ${path}`);
    return floorWorker.fetch(request, env, ctx);
  },
};
