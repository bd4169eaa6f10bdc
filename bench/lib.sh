# Shared by the benchmark scripts (bench/run.sh, bench/cost.sh, bench/do-per-room.sh):
# free ports, servers in process groups of their own, and stopping them whatever happens.
#
# A script sources this, starts each server with `setsid` and adds its pid (= its process
# group) to PGIDS, and each temporary folder to TMPDIRS. `cleanup` runs on exit.

PGIDS=()
TMPDIRS=()

# stop_groups: every process group started, TERM first and KILL after 5 s.
stop_groups() {
  local pgid
  for pgid in "${PGIDS[@]}"; do
    kill -TERM -- "-$pgid" 2>/dev/null || true
  done
  for pgid in "${PGIDS[@]}"; do
    for _ in $(seq 50); do
      kill -0 -- "-$pgid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  done
  PGIDS=()
}

# cleanup: the process groups, then the temporary folders.
cleanup() {
  stop_groups
  local d
  for d in "${TMPDIRS[@]}"; do rm -rf "$d"; done
  TMPDIRS=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_url URL PID TRIES PAUSE: until URL answers 2xx (0), or PID is gone or the tries
# are used up (1).
wait_url() {
  local url="$1" pid="$2" tries="$3" pause="$4"
  for _ in $(seq "$tries"); do
    curl -sf --max-time 2 "$url" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep "$pause"
  done
  return 1
}
