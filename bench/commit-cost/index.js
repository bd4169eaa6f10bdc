// What a storage write costs a SQLite-backed Durable Object in workerd, by API and by
// commit: bench/commit-cost.sh drives it and reads the process's CPU time around each
// request. One request runs `n` operations of one mode on 1.5 KB strings:
//   none       the loop and the strings alone (the floor);
//   put        awaited storage.put, all in one implicit transaction;
//   kv         storage.kv.put (synchronous KV API), all in one transaction;
//   sql        sql.exec(INSERT OR REPLACE …), all in one transaction;
//   commit     storage.sync() alone, n times (a commit with nothing to write);
//   kv-commit  one kv.put, then sync(): a transaction committed per write, as a room's
//              event does;
//   kv2-commit two kv.puts per commit (a room and its outbox).
import { DurableObject } from "cloudflare:workers";

export class Probe extends DurableObject {
  async fetch(req) {
    const url = new URL(req.url);
    const mode = url.searchParams.get("mode");
    const n = Number(url.searchParams.get("n"));
    const text = "x".repeat(1500);
    const storage = this.ctx.storage;
    const key = (i) => `room:${i % 50}`;
    switch (mode) {
      case "none": {
        let length = 0;
        for (let i = 0; i < n; i++) length += (text + i).length;
        return new Response(String(length));
      }
      case "put":
        for (let i = 0; i < n; i++) await storage.put(key(i), text + i);
        break;
      case "kv":
        for (let i = 0; i < n; i++) storage.kv.put(key(i), text + i);
        break;
      case "sql":
        storage.sql.exec("CREATE TABLE IF NOT EXISTS probe(k TEXT PRIMARY KEY, v TEXT)");
        for (let i = 0; i < n; i++) storage.sql.exec("INSERT OR REPLACE INTO probe VALUES (?, ?)", key(i), text + i);
        break;
      case "commit":
        for (let i = 0; i < n; i++) await storage.sync();
        break;
      case "kv-commit":
        for (let i = 0; i < n; i++) {
          storage.kv.put(key(i), text + i);
          await storage.sync();
        }
        break;
      case "kv2-commit":
        for (let i = 0; i < n; i++) {
          storage.kv.put(key(i), text + i);
          storage.kv.put(`records:${i % 50}`, text + i);
          await storage.sync();
        }
        break;
      default:
        return new Response("unknown mode", { status: 400 });
    }
    return new Response(mode);
  }
}

export default {
  fetch(req, env) {
    return env.PROBE.get(env.PROBE.idFromName("probe")).fetch(req);
  },
};
