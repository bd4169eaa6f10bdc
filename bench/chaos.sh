#!/usr/bin/env bash
# The chaos scenario at full size (RELIABILITY.md): 200 players in 100 rooms play 2 s
# rounds for 10 minutes through the real SDK, with stats on, while the server is crashed
# (SIGKILL of its process group, then a restart on the same local storage) or deployed (a
# graceful stop, then a new version) every 45-75 s, alternately. At the end every
# invariant is checked (bench/chaos/invariants.mjs); the run fails if one broke.
#
#   bash bench/chaos.sh                     # one run, about 12 minutes
#   CHAOS_RUNS=3 bash bench/chaos.sh        # three runs (seeds 1, 2, 3) and their spread
#   CHAOS_ARGS="--duration-s 120" bash bench/chaos.sh
#
# Results: bench/results/chaos-<time>/run-<n>.json (figures and broken invariants) and
# run-<n>.server.log; summary.json has each figure's median and range over the runs.
set -euo pipefail
{
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
# shellcheck source=../scripts/env.sh
source "$ROOT/scripts/env.sh"
cd "$ROOT"

RUNS="${CHAOS_RUNS:-1}"
OUT="${CHAOS_OUT:-$BENCH/results/chaos-$(date +%Y%m%d-%H%M%S)}"
read -r -a ARGS <<< "${CHAOS_ARGS:-}"
mkdir -p "$OUT"

# The wasm is built once; every server of the run starts from it.
if [ -z "${EDGE_ARENA_PREBUILT:-}" ]; then bash scripts/build.sh; fi
export EDGE_ARENA_PREBUILT=1

status=0
for n in $(seq 1 "$RUNS"); do
  printf '\033[1m[chaos]\033[0m run %s of %s\n' "$n" "$RUNS" >&2
  node bench/chaos/run.mjs --seed "$n" --json "$OUT/run-$n.json" --server-log "$OUT/run-$n.server.log" "${ARGS[@]}" || status=1
done
node bench/chaos/summary.mjs "$OUT"/run-*.json > "$OUT/summary.json"
cat "$OUT/summary.json"
printf '\033[1m[chaos]\033[0m results in %s\n' "$OUT" >&2
exit "$status"
}
