#!/usr/bin/env bash
# Matches per second against the number of matchmaker shards (issue #8): the burst
# scenario against Edge Arena alone, once per shard count, with everything else equal.
#   bash bench/shards.sh              # shards 1 2 4 8, a burst of 400
#   SHARDS="1 4" BURST=200 bash bench/shards.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARDS="${SHARDS:-1 2 4 8}"
BURST="${BURST:-400}"
OUT="${BENCH_OUT:-$ROOT/bench/results/shards-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
for n in $SHARDS; do
  BENCH_TARGETS=ours BENCH_SCENARIO=burst BENCH_OURS_VARS="MATCHMAKER_SHARDS:$n" \
    BENCH_OUT="$OUT/$n" bash "$ROOT/bench/run.sh" -- --burst-clients "$BURST" >/dev/null 2>"$OUT/$n.log" || {
      echo "shards=$n failed; see $OUT/$n.log" >&2; exit 1; }
done
printf '%-8s %-12s %-16s %-16s %s\n' shards matches/s "hi p50/p99 ms" "start p50/p99 ms" errors
for n in $SHARDS; do
  node -e '
    const r = require(process.argv[1]);
    const b = r.sections.find((s) => s.name === "burst");
    const f = (k) => { const m = b.metrics.find((x) => x.key === k); return m?.value == null ? "?" : m.value.toFixed(1); };
    const errors = Object.values(b.errors).reduce((a, n) => a + n, 0);
    console.log([process.argv[2].padEnd(8), f("matches_per_s").padEnd(12),
      `${f("time_to_hi_p50_ms")}/${f("time_to_hi_p99_ms")}`.padEnd(16),
      `${f("time_to_start_p50_ms")}/${f("time_to_start_p99_ms")}`.padEnd(16), errors].join(" "));
  ' "$OUT/$n/ours.json" "$n"
done | tee "$OUT/summary.txt"
