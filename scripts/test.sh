#!/usr/bin/env bash
# Every test: lint, the core on the host, the release build, then the built Worker in
# real workerd with real WebSocket clients. `npm test` runs setup first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "format and lints"
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --locked -- -D warnings

step "core tests (host, virtual clock; includes the generated-types check)"
cargo test --locked

step "load generator (bench/loadgen): format, lints and its own tests"
# The benchmarks' figures come from it, so its measuring code is tested like the rest.
(cd bench/loadgen && cargo fmt --check && cargo clippy --all-targets --locked -- -D warnings \
  && cargo test --locked)

step "client SDK tests (fake clock; the packed SDK in a strict TypeScript project) and bundle check"
node --test --test-reporter=spec client/test/*.test.mjs
node scripts/sdk-bundle.mjs --check

step "release build of the Worker"
bash scripts/build.sh

step "integration tests (workerd via wrangler dev; the web page in headless Chromium)"
# The web page's tests drive a Chromium: CHROMIUM_PATH if set, else Debian's (installed
# here with apt-get when missing), plus CJK and emoji fonts so screenshots show the text.
if [ -z "${CHROMIUM_PATH:-}" ] && { ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi wqy; }; then
  echo "installing Debian's chromium and fonts for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium fonts-wqy-zenhei fonts-noto-color-emoji >/dev/null
fi
export EDGE_ARENA_PREBUILT=1
# Every process the tests start inherits this marker, so the check below finds exactly
# the servers of this run (and not, say, a developer's own `npm start` or a benchmark).
export EDGE_ARENA_TEST_RUN="$$-$RANDOM"
node --test --test-reporter=spec --test-concurrency=1 tests/*.test.mjs

# Every server a test started must be gone by now.
left=""
for pid in $(pgrep -f "bin/workerd serve" || true); do
  if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "EDGE_ARENA_TEST_RUN=$EDGE_ARENA_TEST_RUN"; then
    left="$left $pid"
  fi
done
if [ -n "$left" ]; then
  echo "test servers left running:"; ps -o pid,args -p "$(echo $left | tr " " ",")" || true
  kill -9 $left || true
  exit 1
fi
