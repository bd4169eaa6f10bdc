#!/usr/bin/env bash
# Builds the Worker (wasm + JS shim) into build/. Called by wrangler's [build] command.
# EDGE_ARENA_PREBUILT=1 skips it: the test harness builds once, then starts many servers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
if [ "${EDGE_ARENA_PREBUILT:-}" = 1 ] && [ -f build/worker/shim.mjs ]; then
  exit 0
fi
node scripts/sdk-bundle.mjs
exec worker-build --release
