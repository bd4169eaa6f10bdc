#!/usr/bin/env bash
# Installs everything the server and the tests need, skipping what is already there at
# the right version. Needs only what a Rust machine has: rustup/cargo, node and npm.
# Works without GitHub: every piece comes from crates.io or the npm registry.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# cargo install of a tool at an exact version, with the dependency versions its own
# published Cargo.lock pins when that lock still builds (--locked); when it does not
# (a lock can name a crate yanked since), with its dependencies resolved afresh. The
# --locked attempt's output goes to a log, so a failure there is no error of the run.
install_tool() {
  local name="$1" version="$2" log="$EDGE_ARENA_TOOLS/install-$1.log"
  mkdir -p "$EDGE_ARENA_TOOLS"
  if cargo install --root "$EDGE_ARENA_TOOLS" "$name" --version "=$version" --locked --force >"$log" 2>&1; then
    return 0
  fi
  say "$name $version: its published Cargo.lock does not build here (cargo's words: $log); resolving its dependencies afresh"
  cargo install --root "$EDGE_ARENA_TOOLS" "$name" --version "=$version" --force
}

# 1. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. npm packages: Node 22 (wrangler needs it), wrangler + workerd, esbuild, binaryen.
#    `npm install` (not `ci`): the lockfile pins versions, and npm ci rejects lockfiles
#    made against registries that omit other platforms' optional packages.
stamp="node_modules/.edge-arena-lock"
if [ ! -x node_modules/.bin/wrangler ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

# 3. wasm-bindgen-cli at exactly the version Cargo.lock pins for the library.
cargo metadata --format-version 1 --locked >/dev/null 2>&1 || cargo generate-lockfile
want_bindgen="$(locked_version wasm-bindgen)"
have_bindgen="$("$WASM_BINDGEN_BIN" --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_bindgen" != "$want_bindgen" ]; then
  say "building wasm-bindgen-cli $want_bindgen (once per machine, a few minutes)"
  install_tool wasm-bindgen-cli "$want_bindgen"
fi

# 4. worker-build at the version of the worker crate.
want_wb="$(locked_version worker)"
have_wb="$(worker-build --version 2>/dev/null | awk "{print \$NF}" || true)"
if [ "$have_wb" != "$want_wb" ]; then
  say "building worker-build $want_wb (once per machine)"
  install_tool worker-build "$want_wb"
fi

say "ready: node $(node --version), wrangler $(wrangler --version 2>/dev/null | tail -1), wasm-bindgen $want_bindgen, worker-build $want_wb"
