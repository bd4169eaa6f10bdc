#!/usr/bin/env bash
# Benchmarks Edge Arena against the floor (bench/floor, a minimal JS Worker speaking the
# same protocol subset), each in real workerd through `wrangler dev`, with the same load
# from bench/loadgen, and prints every figure with its ratio to the floor.
#
#   bash bench/run.sh                      # defaults: about 2-3 minutes in all
#   BENCH_PROFILE=full bash bench/run.sh   # the issue's sizes (1,000 idle conns for 10 min, …)
#   BENCH_SCENARIO=relay,rounds bash bench/run.sh -- --relay-rooms 50
#
# Settings (environment):
#   BENCH_SCENARIO  idle,burst,rounds,relay,fanout,mixed or all (default all = the first four);
#                   versus = vs_burst,vs_idle,vs_rounds, the three-server comparison
#                   of issue #19:
#     BENCH_TARGETS="ours lobby-floor partyserver" BENCH_SCENARIO=versus BENCH_RUNS=3 \
#       BENCH_PROFILE=versus bash bench/run.sh
#   BENCH_PROFILE   default | full
#   BENCH_TARGETS   which servers, in order (default "ours floor"; add floor-rs for the
#                   Rust floor, bench/floor-rs; lobby-floor and partyserver are the
#                   reference servers in ../shared/peers, spoken to with their own
#                   protocol: only the vs_* scenarios, see BENCH_SCENARIO=versus)
#   BENCH_RUNS      repeat the whole set this many times, the order of the targets
#                   rotated each time (run-1/, run-2/, … under BENCH_OUT); with more
#                   than one run or a reference server, bench/versus-report.mjs sums up
#   BENCH_PEERS     where the reference servers are (default ../shared/peers)
#   BENCH_ROUND_MS  ROUND_MS for both servers (default 1000)
#   BENCH_OUT       where reports and logs go (default bench/results/<time>)
#   BENCH_LOG_LEVEL wrangler's --log-level (default warn; `log` or `debug` to see more)
#   BENCH_CPU_PROFILE  seconds of CPU profile to record from each server's isolate at the
#                   start of the load (bench/cpuprofile.mjs; <target>.profile.txt lists the
#                   hottest functions; wasm names need a build that keeps them, see there)
#   BENCH_OURS_VARS extra settings for Edge Arena only, space-separated KEY:VALUE
#                   (e.g. "MATCHMAKER_SHARDS:4"; see bench/shards.sh)
# Anything after `--` goes to the load generator as it is (see
# `bench/loadgen/target/release/edge-arena-loadgen run --help`).
#
# Every server this script starts runs in its own process group and is stopped on exit,
# whatever happens; its storage lives in a fresh temporary directory, removed too.
set -euo pipefail
# The whole script is one block, read before any of it runs: bash otherwise reads a
# script as it goes, and an edit to this file during a run would break that run.
{

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
# shellcheck source=../scripts/env.sh
source "$ROOT/scripts/env.sh"

SCENARIO="${BENCH_SCENARIO:-all}"
PROFILE="${BENCH_PROFILE:-default}"
TARGETS="${BENCH_TARGETS:-ours floor}"
ROUND_MS="${BENCH_ROUND_MS:-1000}"
RUNS="${BENCH_RUNS:-1}"
PEERS="${BENCH_PEERS:-$ROOT/../shared/peers}"
OUT="${BENCH_OUT:-$BENCH/results/$(date +%Y%m%d-%H%M%S)}"
LOG_LEVEL="${BENCH_LOG_LEVEL:-warn}"
EXTRA=()
if [ "${1:-}" = "--" ]; then shift; EXTRA=("$@"); fi

case "$PROFILE" in
  default) SIZES=() ;;
  # The issue's targets: 1,000 idle connections held 10 minutes (heartbeat every 20 s,
  # as the README tells clients), 100 relay rooms; bigger bursts and longer runs.
  full) SIZES=(--idle-conns 1000 --idle-hold-s 600 --heartbeat-s 20
               --burst-clients 1000 --rounds-rooms 100 --rounds-s 60
               --relay-rooms 100 --relay-s 60 --mixed-s 120) ;;
  # The three-server comparison at the issue's sizes: a burst of 1,000, 1,000 idle
  # connections (heartbeat every 20 s) held BENCH_HOLD_S (default 60), 100 rooms × 5
  # one-second rounds.
  versus) SIZES=(--burst-clients 1000 --idle-conns 1000 --idle-hold-s "${BENCH_HOLD_S:-60}"
                 --heartbeat-s 20 --rounds-rooms 100 --rounds-per-room 5) ;;
  *) echo "BENCH_PROFILE must be default, full or versus" >&2; exit 2 ;;
esac

say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
mkdir -p "$OUT"

# ---- cleanup: every process group and directory we made (bench/lib.sh) ---------------
# shellcheck source=lib.sh
source "$BENCH/lib.sh"

# ---- 1. the server's wasm, the load generator -----------------------------------------
# BENCH_SERVER=head (default): the committed HEAD, exported with `git archive` into
#   bench/.server/ and built there (its own cargo target dir, kept between runs), so
#   uncommitted work in the tree and someone else's rebuilds do not change what is
#   measured. BENCH_SERVER=worktree: build/ and wrangler.toml of the working tree as
#   they are (built with scripts/setup.sh + scripts/build.sh if there is no build).
SERVER="${BENCH_SERVER:-head}"
case "$SERVER" in
  head)
    rev="$(git -C "$ROOT" rev-parse --short HEAD)"
    # Keyed by the committed tree minus bench/: a commit that only touches the
    # benchmarks reuses the build.
    key="$(git -C "$ROOT" ls-tree HEAD | grep -v -P '\t(bench|BENCHMARKS\.md)$' | sha1sum | cut -c1-12)"
    SERVER_DIR="$BENCH/.server/src-$key"
    if [ ! -f "$SERVER_DIR/build/worker/shim.mjs" ]; then
      say "building Edge Arena at $rev (git archive HEAD into ${SERVER_DIR#"$ROOT"/})"
      command -v worker-build >/dev/null || (cd "$ROOT" && bash scripts/setup.sh)
      rm -rf "$BENCH"/.server/src-*
      mkdir -p "$SERVER_DIR" "$BENCH/.server/target"
      git -C "$ROOT" archive HEAD | tar -x -C "$SERVER_DIR"
      ln -s "$ROOT/node_modules" "$SERVER_DIR/node_modules"
      ln -s "$BENCH/.server/target" "$SERVER_DIR/target"
      (cd "$SERVER_DIR" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" nice bash scripts/build.sh) \
        >"$OUT/server-build.log" 2>&1 || { cat "$OUT/server-build.log" >&2; exit 1; }
    fi
    ;;
  worktree)
    SERVER_DIR="$ROOT"
    have_wasm=false
    for f in "$ROOT"/build/*.wasm "$ROOT"/build/worker/*.wasm; do
      [ -f "$f" ] && have_wasm=true
    done
    if ! $have_wasm || [ ! -f "$ROOT/build/worker/shim.mjs" ]; then
      say "building the server (scripts/setup.sh, scripts/build.sh)"
      (cd "$ROOT" && bash scripts/setup.sh && bash scripts/build.sh)
    fi
    ;;
  *) say "BENCH_SERVER must be head or worktree"; exit 2 ;;
esac
# The Rust floor (bench/floor-rs), built only when a run asks for it.
if [[ " $TARGETS " == *" floor-rs "* ]] && [ ! -f "$BENCH/floor-rs/build/worker/shim.mjs" ]; then
  say "building the Rust floor (bench/floor-rs)"
  (cd "$BENCH/floor-rs" && source "$ROOT/scripts/env.sh" &&
    CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" nice worker-build --release) \
    >"$OUT/floor-rs-build.log" 2>&1 || { cat "$OUT/floor-rs-build.log" >&2; exit 1; }
fi
say "building the load generator (release)"
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" nice cargo build --release --quiet \
  --manifest-path "$BENCH/loadgen/Cargo.toml"
LOADGEN="$BENCH/loadgen/target/release/edge-arena-loadgen"

# ---- 2. the wasm size ----------------------------------------------------------------
# wasm_report [DIR]: the size of DIR's build (default: Edge Arena's).
wasm_report() {
  local f raw gz label dir="${1:-$SERVER_DIR}"
  for f in "$dir"/build/*.wasm "$dir"/build/worker/*.wasm; do
    [ -f "$f" ] || continue
    raw=$(stat -c %s "$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    label="${f#"$dir"/}"
    [ "$dir" = "$SERVER_DIR" ] || label="${f#"$ROOT"/}"
    awk -v f="$label" -v raw="$raw" -v gz="$gz" 'BEGIN {
      printf "wasm %s: %d bytes raw (%.1f KB), %d bytes gzip -9 (%.1f KB); target <=200 KB gzip (issue #19): %s\n",
        f, raw, raw / 1024, gz, gz / 1024, (gz <= 200 * 1024 ? "met" : "NOT met") }'
  done
}
{
  wasm_report
  if [[ " $TARGETS " == *" floor-rs "* ]]; then wasm_report "$BENCH/floor-rs"; fi
} | tee "$OUT/wasm.txt" >&2
# What was measured: the commit, whether src/ had uncommitted changes, when build/ was made.
{
  echo "server: $SERVER (${rev:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)})"
  [ "$SERVER" = worktree ] &&
    echo "uncommitted files under src/: $(git -C "$ROOT" status --porcelain -- src 2>/dev/null | wc -l)"
  for f in "$SERVER_DIR"/build/*.wasm "$SERVER_DIR"/build/worker/*.wasm; do
    [ -f "$f" ] && echo "built ${f#"$SERVER_DIR"/} at $(date -r "$f" '+%Y-%m-%d %H:%M:%S')"
  done
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "node $(node --version), wrangler $(wrangler --version 2>/dev/null | tail -1), $(workerd --version 2>/dev/null)"
} | tee "$OUT/meta.txt" >&2

# ---- 3. servers ----------------------------------------------------------------------
SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Both get the same settings; ALLOW_GUESTS lets Edge Arena issue guest tokens (the floor
# always does), BOT_WAIT_MS keeps bots out of the measured rooms.
VARS=(--var "ROUND_MS:$ROUND_MS" --var BOT_WAIT_MS:600000 --var "TOKEN_SECRET:$SECRET"
      --var ALLOW_GUESTS:1)

# Edge Arena runs from a copy of build/ and public/ in a temporary directory, so a
# rebuild (someone else compiling) cannot reload it mid-run.
#
# The copy keeps a [build] section, as the repository's wrangler.toml has and `npm start`
# runs it, with a command that does nothing (the copy is built) and an empty folder to
# watch. Without a [build] section, wrangler dev bundles `main` with esbuild in watch
# mode, and esbuild polls every input, the 830 KB wasm among them, for changes: 2.2 % of a
# core during an idle hold, against 0.10 % with the section (session 17, per process,
# `vs_idle`; the workerd processes used the same either way). That was more than half of
# what the idle figures counted for Edge Arena, and it is not how the server runs.
stage_ours() {
  local dir
  dir="$(mktemp -d /tmp/edge-arena-bench-ours.XXXXXX)"
  TMPDIRS+=("$dir")
  STAGED="$dir"
  cp -r "$SERVER_DIR/build" "$dir/build"
  [ -d "$SERVER_DIR/public" ] && cp -rL "$SERVER_DIR/public" "$dir/public"
  mkdir "$dir/unwatched"
  # The same config, with the [build] section replaced.
  {
    awk '/^\[/ { skip = ($0 == "[build]") } !skip' "$SERVER_DIR/wrangler.toml"
    printf '\n[build]\ncommand = "true"\nwatch_dir = "unwatched"\n'
  } >"$dir/wrangler.toml"
}

# start NAME CONFIG_DIR: starts `wrangler dev` in its own process group; sets PORT, PGID.
# The reference servers (lobby-floor, partyserver) start through their own start.sh,
# which installs them under ~/.cache/edge-arena-peers and gives them fresh storage.
start() {
  local name="$1" dir="$2" persist inspector log pid
  local EXTRA=()
  if [ "$name" = ours ]; then
    for kv in ${BENCH_OURS_VARS:-}; do EXTRA+=(--var "$kv"); done
  fi
  PORT="$(free_port)"
  inspector="$(free_port)"
  INSPECTOR="$inspector"
  log="$OUT/$name.wrangler.log"
  if [ "$name" = lobby-floor ] || [ "$name" = partyserver ]; then
    INSPECTOR=""
    (exec setsid env ROUND_MS="$ROUND_MS" NO_COLOR=1 bash "$dir/start.sh" "$PORT") \
      >"$log" 2>&1 </dev/null &
  else
    persist="$(mktemp -d "/tmp/edge-arena-bench-$name-state.XXXXXX")"
    TMPDIRS+=("$persist")
    (
      cd "$dir"
      exec setsid env WRANGLER_SEND_METRICS=false EDGE_ARENA_PREBUILT=1 NO_COLOR=1 \
        "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$PORT" \
        --inspector-port "$inspector" --persist-to "$persist" \
        --show-interactive-dev-session=false --log-level "$LOG_LEVEL" "${VARS[@]}" "${EXTRA[@]}"
    ) >"$log" 2>&1 </dev/null &
  fi
  pid=$!
  # setsid makes the server its own process group leader (pgid = pid). Wait until it
  # has, so that a signal to the group can never reach this script's own group.
  for _ in $(seq 100); do
    [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] && break
    sleep 0.05
  done
  if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" != "$pid" ]; then
    say "$name: wrangler did not get its own process group"; kill "$pid" 2>/dev/null; return 1
  fi
  PGID="$pid"
  PGIDS+=("$PGID")
  for _ in $(seq 1500); do
    if curl -sf --max-time 2 "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
      say "$name: wrangler dev on port $PORT (inspector $inspector, process group $PGID)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      say "$name: wrangler dev exited early; log:"
      cat "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  say "$name: not healthy after 300 s; log:"
  cat "$log" >&2
  return 1
}


# run_targets DIR TARGET...: every target in turn, reports into DIR.
run_targets() {
  local dir_out="$1" target dir dialect profiler
  shift
  mkdir -p "$dir_out"
  echo "$*" >"$dir_out/order.txt"
  for target in "$@"; do
    dialect=ours
    case "$target" in
      ours) stage_ours; dir="$STAGED" ;;
      floor) dir="$BENCH/floor" ;;
      floor-rs) dir="$BENCH/floor-rs" ;;
      lobby-floor|partyserver) dir="$PEERS/$target"; dialect="$target" ;;
      *) say "unknown target $target (ours, floor, floor-rs, lobby-floor, partyserver)"; exit 2 ;;
    esac
    start "$target" "$dir"
    say "$target: scenarios $SCENARIO (profile $PROFILE)${RUN_LABEL:+, $RUN_LABEL}"
    profiler=""
    if [ -n "${BENCH_CPU_PROFILE:-}" ] && [ -n "$INSPECTOR" ]; then
      node "$BENCH/cpuprofile.mjs" "$INSPECTOR" "$BENCH_CPU_PROFILE" "$dir_out/$target.cpuprofile" \
        >"$dir_out/$target.profile.txt" 2>&1 &
      profiler=$!
    fi
    nice -n 5 "$LOADGEN" run --url "http://127.0.0.1:$PORT" --label "$target" \
      --dialect "$dialect" --scenario "$SCENARIO" --server-pgid "$PGID" \
      --json "$dir_out/$target.json" "${SIZES[@]}" "${EXTRA[@]}" | tee "$dir_out/$target.txt"
    if [ -n "$profiler" ]; then
      wait "$profiler" || say "$target: the CPU profile failed (see $dir_out/$target.profile.txt)"
    fi
    cleanup
    # Each server on a quiet machine: let the last one's processes finish exiting.
    sleep 1
  done

  # Side by side: every pair, first named against later named; the first pair also as
  # compare.txt.
  set -- "$@"
  if [ $# -ge 2 ]; then
    "$LOADGEN" compare "$dir_out/$1.json" "$dir_out/$2.json" | tee "$dir_out/compare.txt"
    "$LOADGEN" compare --markdown "$dir_out/$1.json" "$dir_out/$2.json" >"$dir_out/compare.md"
  fi
  local targets=("$@") a b x y
  for ((a = 0; a < ${#targets[@]}; a++)); do
    for ((b = a + 1; b < ${#targets[@]}; b++)); do
      [ $a -eq 0 ] && [ $b -eq 1 ] && continue
      x="${targets[a]}" y="${targets[b]}"
      "$LOADGEN" compare "$dir_out/$x.json" "$dir_out/$y.json" | tee "$dir_out/compare-$x-$y.txt"
      "$LOADGEN" compare --markdown "$dir_out/$x.json" "$dir_out/$y.json" >"$dir_out/compare-$x-$y.md"
    done
  done
}

# ---- 4. the runs ---------------------------------------------------------------------
# One run: reports straight in $OUT (as before). Several runs, or a reference server:
# run-1/, run-2/, … each with the targets' order rotated by one, so that no server
# always goes first on a fresh machine or last on a warm one; then the summary.
order=($TARGETS)
if [ "$RUNS" -le 1 ] && [[ " $TARGETS " != *" lobby-floor "* ]] && [[ " $TARGETS " != *" partyserver "* ]]; then
  run_targets "$OUT" "${order[@]}"
else
  for ((k = 1; k <= RUNS; k++)); do
    RUN_LABEL="run $k of $RUNS"
    run_targets "$OUT/run-$k" "${order[@]}"
    order=("${order[@]:1}" "${order[0]}")
  done
  node "$BENCH/versus-report.mjs" "$OUT" --round-ms "$ROUND_MS" || say "the summary failed"
fi
cat "$OUT/wasm.txt"
say "reports in ${OUT#"$ROOT"/}"
exit
}
