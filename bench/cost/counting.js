// Counting shared by the two wrappers (edge-arena.js, lobby-floor.js). It runs inside
// workerd, in the server's own isolate, and only observes: every call is passed on to the
// real object unchanged.
//
// All tallies are plain counters in one object, keyed "<class>.<what>", so that the player
// script can take a snapshot (GET /__counts) and subtract two snapshots. Durable Objects of
// one Worker share an isolate in workerd, hence one module-level object is enough.
//
// Billing follows https://developers.cloudflare.com/durable-objects/platform/pricing/ :
// key-value get/list count one row read per key, put/delete one row written per key,
// each setAlarm() one row written, and SQL statements the rows their cursor reports.

const tally = {};
// SQL cursors report rowsRead/rowsWritten only as they are consumed, so they are kept and
// read when a snapshot is taken rather than when the statement runs.
const cursors = [];

export function count(key, n = 1) {
  tally[key] = (tally[key] ?? 0) + n;
}

// Rows a key-value call touches: one per key (a string, an array of keys, or an object
// of entries for put).
function keysIn(arg) {
  if (typeof arg === "string") return 1;
  if (Array.isArray(arg)) return arg.length;
  return Object.keys(arg ?? {}).length;
}

// A statement's label in the per-statement breakdown: its first 48 characters.
function statementLabel(query) {
  return String(query).replace(/\s+/g, " ").trim().slice(0, 48);
}

function wrapSql(sql, cls) {
  return new Proxy(sql, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "exec") {
        return (...args) => {
          const cursor = value.apply(target, args);
          cursors.push({ cls, cursor, label: statementLabel(args[0]) });
          count(`${cls}.sql.exec`);
          return cursor;
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// get, put and delete, counted the same way in both key-value APIs (their arguments
// are alike; only what they return differs, and it is passed on as it is), or undefined
// for any other property.
function countedKeyCall(prop, value, target, cls) {
  switch (prop) {
    case "get":
      return (...args) => { count(`${cls}.kv.rowsRead`, keysIn(args[0])); return value.apply(target, args); };
    case "put":
      return (...args) => {
        count(`${cls}.kv.put`, keysIn(args[0]));
        // Which keys are written, for the breakdown (Edge Arena's room writes "room" and "records").
        if (typeof args[0] === "string") count(`${cls}.kv.put ${args[0]}`);
        return value.apply(target, args);
      };
    case "delete":
      return (...args) => { count(`${cls}.kv.delete`, keysIn(args[0])); return value.apply(target, args); };
    default:
      return undefined;
  }
}

// The synchronous key-value API of a SQLite-backed object (storage.kv): the same rows in
// the same table as the asynchronous one, billed the same way, but its calls return values,
// not promises.
function wrapSyncKv(kv, cls) {
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "list") {
        return (...args) => {
          const entries = [...value.apply(target, args)];
          count(`${cls}.kv.rowsRead`, entries.length);
          return entries[Symbol.iterator]();
        };
      }
      return countedKeyCall(prop, value, target, cls)
        ?? (typeof value === "function" ? value.bind(target) : value);
    },
  });
}

function wrapStorage(storage, cls) {
  let sql; // wrapped on first use: only SQLite-backed classes have storage.sql
  let kv; // likewise storage.kv
  return new Proxy(storage, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      switch (prop) {
        case "sql":
          return (sql ??= wrapSql(value, cls));
        case "kv":
          return (kv ??= wrapSyncKv(value, cls));
        case "list":
          return (...args) => value.apply(target, args).then((map) => { count(`${cls}.kv.rowsRead`, map.size); return map; });
        case "setAlarm":
        case "deleteAlarm":
        case "transactionSync":
          return (...args) => { count(`${cls}.${prop}`); return value.apply(target, args); };
        default:
          return countedKeyCall(prop, value, target, cls)
            ?? (typeof value === "function" ? value.bind(target) : value);
      }
    },
  });
}

// The object's state (ctx) with its storage counted; waitUntil is counted too.
export function wrapState(state, cls) {
  const storage = wrapStorage(state.storage, cls);
  return new Proxy(state, {
    get(target, prop) {
      if (prop === "storage") return storage;
      const value = Reflect.get(target, prop);
      if (prop === "waitUntil") return (promise) => { count(`${cls}.waitUntil`); return value.call(target, promise); };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// The snapshot: every counter, plus SQL rows per class and per statement.
export function snapshot() {
  const out = { ...tally };
  const add = (key, n) => { if (n) out[key] = (out[key] ?? 0) + n; };
  for (const { cls, cursor, label } of cursors) {
    add(`${cls}.sql.rowsRead`, cursor.rowsRead);
    add(`${cls}.sql.rowsWritten`, cursor.rowsWritten);
    if (cursor.rowsRead || cursor.rowsWritten) {
      add(`${cls}.sql[${label}] calls`, 1);
      add(`${cls}.sql[${label}] rowsRead`, cursor.rowsRead);
      add(`${cls}.sql[${label}] rowsWritten`, cursor.rowsWritten);
    }
  }
  return out;
}

export function snapshotResponse() {
  return Response.json(snapshot());
}
