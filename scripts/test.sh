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

step "core tests (host, virtual clock)"
cargo test --locked

step "release build of the Worker"
bash scripts/build.sh

step "integration tests (workerd via wrangler dev)"
export EDGE_ARENA_PREBUILT=1
node --test --test-reporter=spec --test-concurrency=1 tests/*.test.mjs

# Every server a test started must be gone by now.
left="$(pgrep -af "$ROOT/node_modules/.*workerd serve" || true)"
if [ -n "$left" ]; then
  echo "test servers left running:"; echo "$left"
  pkill -9 -f "$ROOT/node_modules/.*workerd serve" || true
  exit 1
fi
