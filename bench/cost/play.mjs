// The player side of the cost probe: two players in one room play WARMUP_ROUNDS rounds,
// then ROUNDS measured rounds back to back, then (IDLE_S > 0) stay connected and idle for
// IDLE_S seconds, sending only heartbeats. It reads the server's counters (GET /__counts,
// served by the counting wrapper) at the end of the warm-up, of the measured rounds and of
// the idle time, and prints one JSON object with the differences.
//
//   SERVER=edge-arena|lobby-floor PORT=… ROUNDS=60 IDLE_S=0 node bench/cost/play.mjs
//
// Both players choose a hand 100-400 ms after `start` and ask for the next round 20 ms
// after `result`, as a person clicking quickly would; each sends a heartbeat every 20 s.
// The window runs from player A's `result` of the last warm-up round to its `result` of
// the last measured round, so it holds exactly ROUNDS rounds.
import WebSocket from "ws";

const SERVER = process.env.SERVER;
const PORT = Number(process.env.PORT);
const ROUNDS = Number(process.env.ROUNDS ?? 60);
const IDLE_S = Number(process.env.IDLE_S ?? 0);
const WARMUP_ROUNDS = Number(process.env.WARMUP_ROUNDS ?? 3);
const STALL_MS = 30_000; // no result for this long: the server is stuck, give up
const HEARTBEAT_MS = 20_000;
const BASE = `http://127.0.0.1:${PORT}`;

// How each server is spoken to.
const dialects = {
  // Edge Arena: a guest token, then /ws with it as a subprotocol; the room seats the player
  // on connect, and {"type":"join"} asks for the next round.
  "edge-arena": {
    async open(name) {
      const res = await fetch(`${BASE}/api/guest`, { method: "POST" });
      if (!res.ok) throw new Error(`POST /api/guest: ${res.status}`);
      const { token } = await res.json();
      return new WebSocket(`ws://127.0.0.1:${PORT}/ws?name=${name}`, ["edge-arena", `bearer.${token}`]);
    },
    onOpen() {},
    next: '{"type":"join"}',
    heartbeat: '{"type":"ping"}', // PING_FRAME (src/protocol.rs): answered by the runtime
  },
  // lobby-floor: /ws, then {"type":"join"} once and {"type":"again"} for each next round.
  "lobby-floor": {
    async open() { return new WebSocket(`ws://127.0.0.1:${PORT}/ws`); },
    onOpen(ws) { ws.send('{"type":"join"}'); },
    next: '{"type":"again"}',
    heartbeat: "ping", // answered by the runtime (setWebSocketAutoResponse)
  },
};
const dialect = dialects[SERVER];
if (!dialect || !PORT) {
  console.error("usage: SERVER=edge-arena|lobby-floor PORT=<port> [ROUNDS=60 IDLE_S=0] node play.mjs");
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const counts = async () => (await fetch(`${BASE}/__counts`)).json();
// Counter differences b - a, zeros left out.
const diff = (a, b) =>
  Object.fromEntries(Object.keys({ ...a, ...b }).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]).filter(([, v]) => v));

let atWarm, atEnd; // snapshots at the end of the warm-up and of the measured rounds
let playing = true; // false once the last measured round has ended: nobody asks for more
let lastResultAt = Date.now();
let sent = {}, received = {}; // frames in the measured window, by type
const note = (table, type) => { table[type] = (table[type] ?? 0) + 1; };

async function player(name) {
  const ws = await dialect.open(name);
  ws.on("error", (err) => { console.error(`player ${name}: ${err.message}`); process.exit(1); });
  const send = (frame, type) => { ws.send(frame); note(sent, type); };
  ws.on("message", async (data) => {
    const text = data.toString();
    if (text === "pong") { note(received, "pong"); return; }
    const frame = JSON.parse(text);
    note(received, frame.type);
    if (frame.type === "start") {
      await sleep(100 + Math.random() * 300);
      send(JSON.stringify({ type: "choice", choice: ["rock", "paper", "scissors"][Math.floor(Math.random() * 3)] }), "choice");
    }
    if (frame.type !== "result") return;
    lastResultAt = Date.now();
    if (name === "A" && frame.round === WARMUP_ROUNDS) {
      atWarm = await counts();
      sent = {}; received = {};
    }
    if (name === "A" && frame.round === WARMUP_ROUNDS + ROUNDS) {
      playing = false;
      atEnd = await counts();
    }
    await sleep(20);
    if (playing) send(dialect.next, "next");
  });
  await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("unexpected-response", (_, res) => reject(new Error(`/ws: ${res.statusCode}`))); });
  dialect.onOpen(ws);
  setInterval(() => send(dialect.heartbeat, "heartbeat"), HEARTBEAT_MS);
  return ws;
}

const atStart = await counts();
const startedAt = Date.now();
await player("A");
await sleep(200);
await player("B");
while (!atEnd) {
  if (Date.now() - lastResultAt > STALL_MS) {
    console.error(`no round ended for ${STALL_MS / 1000} s (warm-up done: ${Boolean(atWarm)})`);
    process.exit(1);
  }
  await sleep(100);
}
const playSeconds = (Date.now() - startedAt) / 1000;
const sentInPlay = sent, receivedInPlay = received;

let idle = null, sentIdle = null;
if (IDLE_S > 0) {
  sent = {};
  await sleep(IDLE_S * 1000);
  idle = diff(atEnd, await counts());
  sentIdle = sent;
}

console.log(JSON.stringify({
  server: SERVER,
  warmupRounds: WARMUP_ROUNDS,
  rounds: ROUNDS,
  playSeconds,
  sent: sentInPlay,
  received: receivedInPlay,
  play: diff(atWarm, atEnd),
  idleSeconds: IDLE_S,
  sentIdle,
  idle,
  sessionStart: diff(atStart, atWarm),
}, null, 1));
process.exit(0);
