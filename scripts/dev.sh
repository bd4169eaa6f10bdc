#!/usr/bin/env bash
# Starts the whole backend locally: the Worker and its Durable Objects in workerd, with
# rooms stored in the embedded local storage under .wrangler/state.
# PORT=… changes the port; extra arguments go to `wrangler dev` (e.g. --var ROUND_MS:3000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
port="${PORT:-8787}"

# Local secrets live in .dev.vars (gitignored), which wrangler dev reads. The first start
# makes a random TOKEN_SECRET for signing session tokens; add WECHAT_APPID and
# WECHAT_SECRET there to try a real WeChat login.
if ! grep -q '^TOKEN_SECRET=' .dev.vars 2>/dev/null; then
  echo "TOKEN_SECRET=\"$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')\"" >> .dev.vars
  echo "  made a local TOKEN_SECRET in .dev.vars"
fi
if [ -f build/worker/shim.mjs ]; then
  building="(wrangler runs scripts/build.sh first; cargo recompiles only what changed)"
else
  building="(the first start compiles the Rust crates and builds the wasm: a few minutes on a new machine)"
fi
cat <<TXT

  Edge Arena is starting $building
    play:        http://localhost:$port/   (open two tabs, or wait for a bot)
    health:      http://localhost:$port/health
    guest token: curl -X POST http://localhost:$port/api/guest
    WebSocket:   ws://localhost:$port/ws?name=YourName
                 with the subprotocols ["edge-arena", "bearer.<token>"] (see README)
  Stop with Ctrl-C.

TXT
exec wrangler dev --port "$port" --persist-to .wrangler/state "$@"
