// Sums up a cost probe's raw runs (edge-arena-<n>.json, lobby-floor-<n>.json from play.mjs,
// meta.json from cost.sh) in DIR: per-round counts, the price per million rounds, the ratio
// to lobby-floor. Prints the table and writes it to DIR/summary.md, the figures to
// DIR/summary.json.
//
//   node bench/cost/summary.mjs DIR
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Workers Paid rates, $ per million, https://developers.cloudflare.com/durable-objects/platform/pricing/
const RATE = { requests: 0.15, rowsWritten: 1.0, rowsRead: 0.001 };
// Incoming WebSocket messages are billed as requests at 20:1 (same page, footnote 2).
const WS_MESSAGES_PER_REQUEST = 20;

const dir = process.argv[2];
if (!dir) { console.error("usage: node summary.mjs DIR"); process.exit(2); }
const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
const runsOf = (server) => readdirSync(dir)
  .filter((f) => new RegExp(`^${server}-\\d+\\.json$`).test(f))
  .sort((a, b) => parseInt(a.split("-").pop()) - parseInt(b.split("-").pop()))
  .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")));

// Sum of the counters whose key (after "<class>.") matches, over all Durable Object classes
// (keys of the Worker itself start with "worker ").
function sum(counts, pattern) {
  let n = 0;
  for (const [key, value] of Object.entries(counts)) {
    if (key.startsWith("worker ")) continue;
    const what = key.slice(key.indexOf(".") + 1);
    if (pattern.test(what)) n += value;
  }
  return n;
}

// The billable figures of one window of counters, divided by `per` (rounds, or 1 for totals).
function figures(counts, per) {
  const f = {
    wsMessages: sum(counts, /^webSocketMessage$/),
    alarms: sum(counts, /^alarm$/),
    // Requests into an object by HTTP. In the measured window these all come from other
    // objects (room → stats deliveries, room → matchmaker reports): the Worker sends
    // objects requests only when a player connects (checked below).
    objectFetches: sum(counts, /^fetch /),
    kvPuts: sum(counts, /^kv\.put$/),
    kvDeletes: sum(counts, /^kv\.delete$/),
    setAlarm: sum(counts, /^setAlarm$/),
    sqlRowsWritten: sum(counts, /^sql\.rowsWritten$/),
    kvRowsRead: sum(counts, /^kv\.rowsRead$/),
    sqlRowsRead: sum(counts, /^sql\.rowsRead$/),
  };
  f.doRequests = f.wsMessages / WS_MESSAGES_PER_REQUEST + f.alarms + f.objectFetches;
  f.rowsWritten = f.kvPuts + f.kvDeletes + f.setAlarm + f.sqlRowsWritten;
  f.rowsRead = f.kvRowsRead + f.sqlRowsRead;
  for (const k of Object.keys(f)) f[k] /= per;
  // Per round, a count is also the $ per million rounds once multiplied by the $/M rate.
  f.priceRequests = f.doRequests * RATE.requests;
  f.priceRowsWritten = f.rowsWritten * RATE.rowsWritten;
  f.priceRowsRead = f.rowsRead * RATE.rowsRead;
  f.price = f.priceRequests + f.priceRowsWritten + f.priceRowsRead;
  return f;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs });
const num = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
const usd = (x) => "$" + (x >= 1 ? x.toFixed(2) : x.toFixed(3));
// "median [min–max]", or one figure when the runs agree (as far as shown).
const show = (s, fmt = num) => (fmt(s.min) === fmt(s.max) ? fmt(s.median) : `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`);

const servers = { "edge-arena": runsOf("edge-arena"), "lobby-floor": runsOf("lobby-floor") };
const per = {}, idle = {}, warnings = [];
for (const [server, runs] of Object.entries(servers)) {
  if (runs.length === 0) { console.error(`no ${server} runs in ${dir}`); process.exit(1); }
  const perRun = runs.map((r) => figures(r.play, r.rounds));
  per[server] = Object.fromEntries(Object.keys(perRun[0]).map((k) => [k, stats(perRun.map((f) => f[k]))]));
  for (const [i, r] of runs.entries()) {
    const workerRequests = Object.keys(r.play).filter((k) => k.startsWith("worker "));
    if (workerRequests.length) warnings.push(`${server} run ${i + 1}: Worker requests in the measured window (${workerRequests.join(", ")}); object fetches include them`);
  }
  if (runs[0].idle) {
    const idleRun = runs.map((r) => ({
      ...figures(r.idle, 1),
      wakes: sum(r.idle, /^constructed$/),
      heartbeats: r.sentIdle?.heartbeat ?? 0,
    }));
    idle[server] = Object.fromEntries(Object.keys(idleRun[0]).map((k) => [k, stats(idleRun.map((f) => f[k]))]));
  }
}

const ea = per["edge-arena"], lf = per["lobby-floor"];
const eaRuns = servers["edge-arena"].length, lfRuns = servers["lobby-floor"].length;
const ratio = (k) => (lf[k].median === 0 ? (ea[k].median === 0 ? "–" : "∞") : (ea[k].median / lf[k].median).toFixed(1) + "×");
const runsLabel = (n) => (n === 1 ? "1 run" : `median [min–max] of ${n} runs`);

const lines = [];
const out = (s = "") => lines.push(s);
out(`## Billable operations per round (2 players, ${meta.rounds} rounds after ${servers["edge-arena"][0].warmupRounds} warm-up, ROUND_MS 1000)`);
out();
out(`| per round | Edge Arena (${runsLabel(eaRuns)}) | lobby-floor (${runsLabel(lfRuns)}) | ratio |`);
out("|---|---|---|---|");
const row = (label, k, fmt = num) => out(`| ${label} | ${show(ea[k], fmt)} | ${show(lf[k], fmt)} | ${ratio(k)} |`);
row("incoming WS messages", "wsMessages");
row(`DO requests (messages at ${WS_MESSAGES_PER_REQUEST}:1 + alarms + object→object fetches)`, "doRequests");
row("  alarms", "alarms");
row("  object→object fetches", "objectFetches");
row("KV puts (rows written)", "kvPuts");
if (ea.kvDeletes.max || lf.kvDeletes.max) row("KV deletes (rows written)", "kvDeletes");
row("setAlarm (rows written)", "setAlarm");
row("SQL rows written", "sqlRowsWritten");
row("**rows written, total**", "rowsWritten");
row("SQL rows read", "sqlRowsRead");
row("KV rows read", "kvRowsRead");
out();
out(`| $ per million rounds (Workers Paid) | Edge Arena | lobby-floor | ratio |`);
out("|---|---|---|---|");
row(`requests ($${RATE.requests}/M)`, "priceRequests", usd);
row(`rows written ($${RATE.rowsWritten.toFixed(2)}/M)`, "priceRowsWritten", usd);
row(`rows read ($${RATE.rowsRead}/M)`, "priceRowsRead", usd);
const totalRatios = ea.price.runs.map((p) => p / lf.price.median);
out(`| **total, without duration** | **${show(ea.price, usd)}** | **${show(lf.price, usd)}** | **${ratio("price")}**` +
  (eaRuns > 1 ? ` [${Math.min(...totalRatios).toFixed(1)}–${Math.max(...totalRatios).toFixed(1)}×]` : "") + " |");
out();
out("Duration (GB-s, $12.50/M) is left out: counting calls does not measure it. Monthly allowances");
out("(1 M requests, 50 M rows written, 25 B rows read) and the $5 plan minimum are left out too.");

// Where Edge Arena's rows written come from, by object class and kind.
const eaPlay = servers["edge-arena"].map((r) => r.play);
const byClass = {};
for (const [i, counts] of eaPlay.entries()) {
  for (const [key, value] of Object.entries(counts)) {
    if (!/\.(kv\.put|kv\.delete|setAlarm|sql\.rowsWritten)$/.test(key) || key.startsWith("worker ")) continue;
    (byClass[key] ??= Array(eaPlay.length).fill(0))[i] = value / servers["edge-arena"][i].rounds;
  }
}
out();
out("Edge Arena rows written per round by source: " +
  Object.entries(byClass).sort((a, b) => median(b[1]) - median(a[1])).map(([k, v]) => `${k} ${num(median(v))}`).join(", ") + ".");
const eaPuts = {};
for (const [i, counts] of eaPlay.entries()) {
  for (const [key, value] of Object.entries(counts)) {
    if (!/\.kv\.put /.test(key)) continue;
    (eaPuts[key] ??= Array(eaPlay.length).fill(0))[i] = value / servers["edge-arena"][i].rounds;
  }
}
if (Object.keys(eaPuts).length) out("KV puts by key: " + Object.entries(eaPuts).map(([k, v]) => `${k.replace(".kv.put ", " “")}” ${num(median(v))}`).join(", ") + ".");

if (Object.keys(idle).length) {
  out();
  out(`## Idle: the two players connected, ${meta.idleSeconds} s without playing (heartbeats only)`);
  out();
  out("Totals over the idle time, not per round. It starts right after the last measured round, so it");
  out("also holds that round's tail (e.g. Edge Arena's last stats batch and an alarm left armed).");
  out("Heartbeats are answered by the runtime (auto-response) and never reach the objects.");
  out();
  out(`| idle, ${meta.idleSeconds} s | Edge Arena | lobby-floor |`);
  out("|---|---|---|");
  const irow = (label, k, fmt = num) => out(`| ${label} | ${idle["edge-arena"] ? show(idle["edge-arena"][k], fmt) : "–"} | ${idle["lobby-floor"] ? show(idle["lobby-floor"][k], fmt) : "–"} |`);
  irow("heartbeats sent", "heartbeats");
  irow("objects started (created or woken)", "wakes");
  irow("alarms", "alarms");
  irow("DO requests", "doRequests");
  irow("rows written", "rowsWritten");
  irow("rows read", "rowsRead");
  irow(`price, $ per million rooms idle ${meta.idleSeconds} s`, "price", usd);
}
if (warnings.length) { out(); for (const w of warnings) out(`warning: ${w}`); }

const text = lines.join("\n") + "\n";
process.stdout.write(text);
writeFileSync(join(dir, "summary.md"), `# Cost probe ${meta.startedAt}\n\n` +
  `Commit ${meta.commit}${meta.dirty ? " (with uncommitted changes)" : ""}; build md5 index.js ${meta.buildMd5.indexJs}, ` +
  `index_bg.wasm ${meta.buildMd5.wasm}; ${meta.workerd}; ${meta.command}\n\n` + text);
writeFileSync(join(dir, "summary.json"), JSON.stringify({ meta, rates: RATE, perRound: per, idle, warnings }, null, 1) + "\n");
