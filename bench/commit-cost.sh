#!/usr/bin/env bash
# What a storage write costs a SQLite-backed Durable Object in workerd: the CPU time of
# the server's processes per operation, by API (awaited storage.put, the synchronous
# storage.kv.put, sql.exec) and per commit (a write followed by storage.sync(), as each
# room event is its own transaction). The probe is bench/commit-cost/index.js, run by
# `wrangler dev` like the product. The modes are interleaved, ROUNDS times each, and the
# medians [min–max] printed in µs of CPU per operation.
#
#   bash bench/commit-cost.sh            # ROUNDS=3 N=3000: under a minute
#
# Settings (environment): ROUNDS (default 3), N operations per request (default 3000).
set -euo pipefail
{
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
# shellcheck source=../scripts/env.sh
source "$ROOT/scripts/env.sh"
# shellcheck source=lib.sh
source "$BENCH/lib.sh"
ROUNDS="${ROUNDS:-3}"
N="${N:-3000}"
MODES=(none put kv sql commit kv-commit kv2-commit)

port="$(free_port)"
inspector="$(free_port)"
persist="$(mktemp -d /tmp/edge-arena-commit-cost.XXXXXX)"
TMPDIRS+=("$persist")
log="$persist/wrangler.log"
(
  cd "$BENCH/commit-cost"
  exec setsid env WRANGLER_SEND_METRICS=false NO_COLOR=1 \
    "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$port" \
    --inspector-port "$inspector" --persist-to "$persist/state" \
    --show-interactive-dev-session=false --log-level warn
) >"$log" 2>&1 </dev/null &
pid=$!
PGIDS+=("$pid")
if ! wait_url "http://127.0.0.1:$port/?mode=none&n=1" "$pid" 300 0.2; then
  echo "the probe did not start; log:" >&2
  cat "$log" >&2
  exit 1
fi

# CPU ticks (user + system) of every process in the server's group.
ticks() {
  local total=0 p t
  for p in $(pgrep -g "$pid"); do
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}
hz="$(getconf CLK_TCK)"

curl -sf "http://127.0.0.1:$port/?mode=kv-commit&n=200" >/dev/null # warm up
results="$persist/results.txt"
for round in $(seq "$ROUNDS"); do
  for mode in "${MODES[@]}"; do
    before="$(ticks)"
    curl -sf "http://127.0.0.1:$port/?mode=$mode&n=$N" >/dev/null
    after="$(ticks)"
    echo "$mode $round $(( (after - before) * 1000000 / hz / N ))" >>"$results"
  done
done

echo "CPU per operation, µs (median [min–max] of $ROUNDS interleaved runs of $N)"
for mode in "${MODES[@]}"; do
  awk -v m="$mode" '$1 == m { print $3 }' "$results" | sort -n | awk -v m="$mode" '
    { v[NR] = $1 } END { printf "  %-11s %6d [%d–%d]\n", m, v[int((NR + 1) / 2)], v[1], v[NR] }'
done
}
