#!/usr/bin/env bash
# Starts the whole backend locally: the Worker and its Durable Objects in workerd, with
# rooms stored in the embedded local storage under .wrangler/state.
# PORT=… changes the port; extra arguments go to `wrangler dev` (e.g. --var ROUND_MS:3000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
port="${PORT:-8787}"
cat <<TXT

  Edge Arena is starting (the first start builds the wasm, about a minute).
    play:       http://localhost:$port/   (open two tabs, or wait for a bot)
    health:     http://localhost:$port/health
    WebSocket:  ws://localhost:$port/ws?name=YourName
  Stop with Ctrl-C.

TXT
exec wrangler dev --port "$port" --persist-to .wrangler/state "$@"
