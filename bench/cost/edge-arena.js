// Counting wrapper around Edge Arena's built Worker (build/index.js + index_bg.wasm, used
// as they are). Each Durable Object class is replaced by a thin class that counts its
// handler calls and hands the real object a state whose storage is counted
// (counting.js); the Worker counts its own requests and answers GET /__counts.
import * as Real from "./index.js";
import { count, wrapState, snapshotResponse } from "./counting.js";

// The real object is built and called, never changed; "cls" names it in the counters.
function counted(RealClass, cls) {
  return class {
    constructor(state, env) {
      count(`${cls}.constructed`);
      this.inner = new RealClass(wrapState(state, cls), env);
    }
    fetch(request) {
      // Requests to an object, by path: /seat, /connect and /assign come from the
      // Worker, /records (stats deliveries) from the rooms' houses.
      count(`${cls}.fetch ${new URL(request.url).pathname}`);
      return this.inner.fetch(request);
    }
    alarm(...args) { count(`${cls}.alarm`); return this.inner.alarm(...args); }
    webSocketMessage(ws, message) { count(`${cls}.webSocketMessage`); return this.inner.webSocketMessage(ws, message); }
    webSocketClose(...args) { count(`${cls}.webSocketClose`); return this.inner.webSocketClose(...args); }
    webSocketError(...args) { count(`${cls}.webSocketError`); return this.inner.webSocketError(...args); }
  };
}

export const ArenaRoom = counted(Real.ArenaRoom, "room");
export const ArenaStats = counted(Real.ArenaStats, "stats");
export const ArenaInvites = counted(Real.ArenaInvites, "invites");

export default class extends Real.default {
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/__counts") return snapshotResponse();
    count(`worker ${path}`);
    return super.fetch(request);
  }
}
