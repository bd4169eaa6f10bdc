#!/usr/bin/env bash
# What a round of play costs on the Workers Paid plan: Edge Arena against the reference
# server lobby-floor (../shared/peers/lobby-floor), in billable Durable Object operations.
#
# What it measures, per round of two players playing back to back (1 s rounds):
#   - incoming WebSocket messages, alarm invocations and requests from one object to
#     another, which make the billed DO requests (WebSocket messages count 20:1);
#   - key-value puts, setAlarm calls and SQL rows written, which are billed as rows
#     written, and key-value and SQL rows read;
#   - with IDLE_S > 0, also what the two players cost while they stay connected and idle
#     (wake-ups, alarms, rows).
# How: a counting wrapper (bench/cost/edge-arena.js, lobby-floor.js, counting.js) sits
# around each server's Durable Object classes and storage inside a bare `workerd serve`.
# The server code is unchanged: Edge Arena is build/index.js + index_bg.wasm as built,
# lobby-floor its src/index.js as it is. bench/cost/play.mjs plays 3 warm-up rounds, then
# ROUNDS measured rounds, reading the counters before and after (GET /__counts).
# bench/cost/summary.mjs turns the counts into a table per round.
#
# Prices, Workers Paid, https://developers.cloudflare.com/durable-objects/platform/pricing/ :
#   requests      $0.15 per million (incoming WebSocket messages at 20:1, alarms, fetches)
#   rows written  $1.00 per million (a key-value put or delete is one row per key; each
#                 setAlarm() is one row; SQL as its cursor's rowsWritten, indexes included)
#   rows read     $0.001 per million
# Duration (GB-s) is left out: counting calls does not measure it. So are the monthly
# allowances and the plan's minimum. The counts hardly depend on timing, so the probe can
# run next to other work; Edge Arena's vary a little between runs because a room sends its
# stats 5-10 s after a round (a random point in that window), hence several runs.
#
#   bash bench/cost.sh                        # RUNS=3 ROUNDS=60 IDLE_S=0: about 5 minutes
#   RUNS=1 ROUNDS=20 bash bench/cost.sh       # a quick look
#   IDLE_S=720 bash bench/cost.sh             # and 12 min idle after the rounds (a room's
#                                             # sweep wakes it every 10 min)
#   COST_VARS="DURABILITY=settled-rounds STATS_FLUSH_MS=60000" ROUNDS=120 bash bench/cost.sh
#                                             # Edge Arena with other settings
#
# Settings (environment):
#   RUNS        Edge Arena runs (default 3), each with fresh storage
#   FLOOR_RUNS  lobby-floor runs (default 1: its counts are the same every run)
#   ROUNDS      measured rounds per run (default 60)
#   IDLE_S      seconds the players then stay connected and idle (default 0: none)
#   BENCH_PEERS where the reference servers are (default ../shared/peers; only read)
#   OUT         where the results go (default bench/results/cost-<time>)
#   COST_VARS   Edge Arena vars to change, KEY=VALUE separated by spaces; each KEY must be
#               one of bench/cost/edge-arena.capnp.in's bindings
# Needs the built Worker in build/ (bash scripts/build.sh); uses the repository's
# node_modules (node 22, workerd, ws) and nothing else.
set -euo pipefail
{ # read to the end before running, so editing this file cannot change a run under way
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
source "$ROOT/scripts/env.sh"
PROBE="$BENCH/cost"
BUILD="$ROOT/build"
PEERS="${BENCH_PEERS:-$ROOT/../shared/peers}"
WORKERD="$ROOT/node_modules/.bin/workerd"
RUNS="${RUNS:-3}"
FLOOR_RUNS="${FLOOR_RUNS:-1}"
ROUNDS="${ROUNDS:-60}"
IDLE_S="${IDLE_S:-0}"
COST_VARS="${COST_VARS:-}"

if [ ! -f "$BUILD/index.js" ] || [ ! -f "$BUILD/index_bg.wasm" ]; then
  echo "No built Worker in build/ (index.js, index_bg.wasm). Build it first:" >&2
  echo "  bash scripts/build.sh" >&2
  exit 1
fi
if [ ! -f "$PEERS/lobby-floor/src/index.js" ] || [ ! -f "$PEERS/common/rules.mjs" ]; then
  echo "lobby-floor not found in $PEERS (set BENCH_PEERS to the folder holding lobby-floor/ and common/)" >&2
  exit 1
fi
if [ ! -x "$WORKERD" ] || [ ! -d "$ROOT/node_modules/ws" ]; then
  echo "workerd or ws missing from node_modules: npm ci" >&2
  exit 1
fi
if [ -n "$(find "$ROOT/src" -newer "$BUILD/index_bg.wasm" -type f -print -quit)" ]; then
  echo "note: src/ has files newer than build/index_bg.wasm; this measures the build as it is" >&2
fi

OUT="${OUT:-$BENCH/results/cost-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

# Everything started here runs in its own process group (setsid), so that stopping the
# group stops workerd or the player script with all their children (bench/lib.sh).
# shellcheck source=lib.sh
source "$BENCH/lib.sh"
trap 'echo "cost.sh: interrupted" >&2; exit 130' INT
trap 'echo "cost.sh: stopped" >&2; exit 143' TERM HUP

# wait_ready PORT PID: until the wrapper answers GET /__counts (or workerd died).
wait_ready() { wait_url "http://127.0.0.1:$1/__counts" "$2" 300 0.1; }

# set_vars CONFIG: COST_VARS written into CONFIG's text bindings (a key it lacks is an error,
# so a misspelt setting cannot pass unnoticed).
set_vars() {
  local kv key value
  for kv in $COST_VARS; do
    key="${kv%%=*}" value="${kv#*=}"
    if ! grep -q "(name = \"$key\", text = " "$1"; then
      echo "COST_VARS: $key is not a binding of bench/cost/edge-arena.capnp.in" >&2
      exit 2
    fi
    sed -i "s|(name = \"$key\", text = \"[^\"]*\")|(name = \"$key\", text = \"$value\")|" "$1"
  done
}

# probe SERVER N: one run against edge-arena or lobby-floor in a fresh temporary folder
# (a copy of the server and the wrapper, the config, empty storage); the player's JSON goes
# to $OUT/SERVER-N.json, workerd's output to $OUT/SERVER-N.workerd.log.
probe() {
  local server="$1" n="$2" dir port workerd player started
  dir="$(mktemp -d /tmp/edge-arena-cost.XXXXXX)"
  TMPDIRS+=("$dir")
  mkdir "$dir/storage"
  cp "$PROBE/counting.js" "$PROBE/$server.js" "$dir/"
  case "$server" in
    edge-arena)
      cp "$BUILD/index.js" "$BUILD/index_bg.wasm" "$dir/" ;;
    lobby-floor) # the layout its "../../common/rules.mjs" import expects
      mkdir -p "$dir/peer/src" "$dir/common"
      cp "$PEERS/lobby-floor/src/index.js" "$dir/peer/src/"
      cp "$PEERS/common/rules.mjs" "$dir/common/" ;;
  esac
  port="$(free_port)"
  sed -e "s|@PORT@|$port|g" -e "s|@STORAGE_DIR@|$dir/storage|g" "$PROBE/$server.capnp.in" >"$dir/config.capnp"
  if [ "$server" = edge-arena ]; then set_vars "$dir/config.capnp"; fi

  (cd "$dir" && exec setsid "$WORKERD" serve config.capnp) >"$OUT/$server-$n.workerd.log" 2>&1 </dev/null &
  workerd=$!
  PGIDS+=("$workerd")
  if ! wait_ready "$port" "$workerd"; then
    echo "$server run $n: workerd did not come up on port $port:" >&2
    tail -20 "$OUT/$server-$n.workerd.log" >&2
    exit 1
  fi

  started=$SECONDS
  (exec setsid env SERVER="$server" PORT="$port" ROUNDS="$ROUNDS" IDLE_S="$IDLE_S" \
    timeout $((ROUNDS * 3 + IDLE_S + 120)) node "$PROBE/play.mjs") \
    >"$OUT/$server-$n.json" 2>"$OUT/$server-$n.play.log" </dev/null &
  player=$!
  PGIDS+=("$player")
  if ! wait "$player"; then
    echo "$server run $n: the players failed:" >&2
    tail -20 "$OUT/$server-$n.play.log" >&2
    exit 1
  fi
  echo "$server run $n: done in $((SECONDS - started)) s"
  stop_groups
  rm -rf "$dir"
}

git_dirty=false
[ -n "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ] && git_dirty=true
command_line="RUNS=$RUNS FLOOR_RUNS=$FLOOR_RUNS ROUNDS=$ROUNDS IDLE_S=$IDLE_S bash bench/cost.sh"
if [ -n "$COST_VARS" ]; then command_line="COST_VARS='$COST_VARS' $command_line"; fi
cat >"$OUT/meta.json" <<JSON
{
 "startedAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "command": "$command_line",
 "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "dirty": $git_dirty,
 "buildMd5": { "indexJs": "$(md5sum <"$BUILD/index.js" | cut -c1-12)", "wasm": "$(md5sum <"$BUILD/index_bg.wasm" | cut -c1-12)" },
 "workerd": "$("$WORKERD" --version)",
 "runs": $RUNS, "floorRuns": $FLOOR_RUNS, "rounds": $ROUNDS, "idleSeconds": $IDLE_S
}
JSON

echo "cost probe: Edge Arena $RUNS run(s), lobby-floor $FLOOR_RUNS, $ROUNDS rounds each" \
  "(+ 3 warm-up)$([ "$IDLE_S" -gt 0 ] && echo ", then ${IDLE_S} s idle"); results in ${OUT#"$ROOT"/}"
# One probe at a time; the two servers take turns so that anything else running on the
# machine weighs on both alike.
for ((k = 1; k <= (RUNS > FLOOR_RUNS ? RUNS : FLOOR_RUNS); k++)); do
  if [ "$k" -le "$RUNS" ]; then probe edge-arena "$k"; fi
  if [ "$k" -le "$FLOOR_RUNS" ]; then probe lobby-floor "$k"; fi
done

echo
node "$PROBE/summary.mjs" "$OUT"
echo
echo "raw counts and summary in ${OUT#"$ROOT"/}/"
exit
}
