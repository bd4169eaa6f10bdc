#!/usr/bin/env bash
# What one Durable Object per room costs a matchmaking burst, measured on the reference
# floor itself (issue #19, "matches/s ≥ 0.6× lobby-floor").
#
# lobby-floor (../shared/peers/lobby-floor) seats every pair inside its one lobby object.
# This copies it to a temporary folder and adds one step to each match, chosen by the
# var EXP, before `start` goes out:
#   none   nothing (the floor as it is);
#   touch  a request to a fresh Durable Object named after the room (one object per
#          room, as Edge Arena and partyserver have), which does nothing;
#   alarm  the same object also stores the room (one put) and sets its alarm, as a
#          room that keeps its state durable and ends rounds by alarm must.
#   house  the same work as alarm, but the room's object is one of 16 "houses" (a
#          hash of the room's name), each holding many rooms under their own keys:
#          the design docs/SCALING.md plans for Edge Arena.
# Then it runs the same burst (bench/loadgen, vs_burst, lobby-floor's protocol) against
# each, RUNS times, the modes interleaved, and prints matches/s and CPU per match.
#
#   bash bench/do-per-room.sh            # RUNS=3 CLIENTS=1000
set -euo pipefail
{
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
source "$ROOT/scripts/env.sh"
PEERS="${BENCH_PEERS:-$ROOT/../shared/peers}"
RUNS="${RUNS:-3}"
CLIENTS="${CLIENTS:-1000}"
OUT="${OUT:-$BENCH/results/do-per-room-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" nice cargo build --release --quiet \
  --manifest-path "$BENCH/loadgen/Cargo.toml"
LOADGEN="$BENCH/loadgen/target/release/edge-arena-loadgen"

# The peer's own start.sh installs it under ~/.cache/edge-arena-peers the first time;
# start it once (briefly) so the copy below can borrow its node_modules.
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/edge-arena-peers/lobby-floor/peer"
# shellcheck source=lib.sh
source "$BENCH/lib.sh"
TMP="$(mktemp -d /tmp/edge-arena-do-per-room.XXXXXX)"
TMPDIRS+=("$TMP")

# wait_health PORT PID: until GET /health answers (or the server died).
wait_health() { wait_url "http://127.0.0.1:$1/health" "$2" 1500 0.2; }

if [ ! -x "$CACHE/node_modules/.bin/wrangler" ]; then
  port="$(free_port)"
  (exec setsid bash "$PEERS/lobby-floor/start.sh" "$port") >"$OUT/install.log" 2>&1 </dev/null &
  PGIDS+=($!)
  wait_health "$port" $! || { cat "$OUT/install.log" >&2; exit 1; }
  stop_groups
fi

# The variant: the peer with the extra step, in $TMP (shared/ stays untouched).
mkdir -p "$TMP/peer" "$TMP/common"
cp -r "$PEERS/lobby-floor/src" "$PEERS/lobby-floor/wrangler.toml" "$TMP/peer/"
cp "$PEERS/common/rules.mjs" "$TMP/common/"
ln -s "$CACHE/node_modules" "$TMP/peer/node_modules"
python3 - "$TMP/peer" <<'EOF'
import sys, pathlib
peer = pathlib.Path(sys.argv[1])
src = peer / "src/index.js"
s = src.read_text()
def swap(old, new):
    global s
    assert old in s, f"lobby-floor changed: {old!r} not found"
    s = s.replace(old, new, 1)
# join() hands back the room it filled; the caller takes the extra step, then starts.
swap('''      case "join": this.join(ws); break;''', '''      case "join": {
        const room = this.join(ws);
        if (room && (this.env.EXP ?? "none") !== "none") {
          const house = this.env.EXP === "house";
          const name = house ? "house-" + (hashOf(room.id) % 16) : room.id;
          await this.env.ROOM.get(this.env.ROOM.idFromName(name)).fetch("https://room/" + (house ? "alarm" : this.env.EXP) + "?room=" + room.id);
        }
        if (room) this.startRound(room);
        break;
      }''')
swap('''    room.seats[0].serializeAttachment({ room: room.id, seat: 0, started: true });
    this.startRound(room);''', '''    room.seats[0].serializeAttachment({ room: room.id, seat: 0, started: true });
    return room;''')
s += '''
// One object per room, asked once when the room fills (EXP=touch: nothing more;
// EXP=alarm: it stores the room and sets its alarm).
export class Room extends DurableObject {
  async fetch(request) {
    if (new URL(request.url).pathname === "/alarm") {
      const id = new URL(request.url).searchParams.get("room");
      this.ctx.storage.put("room:" + id, JSON.stringify({ seats: [0, 1], round: 1 }));
      this.ctx.storage.setAlarm(Date.now() + 60000);
    }
    return new Response("ok");
  }
  async alarm() {}
}
function hashOf(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}
'''
src.write_text(s)
toml = peer / "wrangler.toml"
t = toml.read_text()
assert '[[migrations]]' in t and 'new_sqlite_classes = ["Lobby"]' in t, "lobby-floor's wrangler.toml changed"
t = t.replace('[[migrations]]', '[[durable_objects.bindings]]\nname = "ROOM"\nclass_name = "Room"\n\n[[migrations]]', 1)
t = t.replace('new_sqlite_classes = ["Lobby"]', 'new_sqlite_classes = ["Lobby", "Room"]', 1)
toml.write_text(t)
EOF

printf 'run mode matches_per_s cpu_ms_per_match\n' >"$OUT/figures.txt"
for ((k = 1; k <= RUNS; k++)); do
  for mode in ${MODES:-none touch alarm house}; do
    port="$(free_port)"
    inspector="$(free_port)"
    state="$TMP/state-$k-$mode"
    mkdir -p "$state"
    (cd "$TMP/peer" && exec setsid env PATH="$TMP/peer/node_modules/.bin:$PATH" WRANGLER_SEND_METRICS=false \
      wrangler dev --ip 127.0.0.1 --port "$port" --inspector-port "$inspector" --persist-to "$state" \
      --var ROUND_MS:1000 --var "EXP:$mode" --log-level warn --show-interactive-dev-session=false) \
      >"$OUT/$mode-$k.wrangler.log" 2>&1 </dev/null &
    pgid=$!
    PGIDS+=("$pgid")
    wait_health "$port" "$pgid" || { cat "$OUT/$mode-$k.wrangler.log" >&2; exit 1; }
    nice -n 5 "$LOADGEN" run --url "http://127.0.0.1:$port" --dialect lobby-floor --label "$mode" \
      --scenario vs_burst --burst-clients "$CLIENTS" --quiet --server-pgid "$pgid" \
      --json "$OUT/$mode-$k.json" >"$OUT/$mode-$k.txt"
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const f = r.figures;
      console.log(process.argv[2], process.argv[3], f["vs_burst.matches_per_s"]?.toFixed(1), f["vs_burst.server_cpu_ms_per_match"]?.toFixed(2));
    ' "$OUT/$mode-$k.json" "$k" "$mode" | tee -a "$OUT/figures.txt"
    stop_groups
    sleep 1
  done
done
echo "figures in ${OUT#"$ROOT"/}/figures.txt"
exit
}
