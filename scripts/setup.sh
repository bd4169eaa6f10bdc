#!/usr/bin/env bash
# Installs everything the server and the tests need, skipping what is already there at
# the right version. Needs only what a Rust machine has: rustup/cargo, node and npm.
# Works without GitHub: every piece comes from crates.io or the npm registry.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

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
  # --locked first; some published lockfiles name a yanked crate, then resolve afresh.
  cargo install --root "$EDGE_ARENA_TOOLS" wasm-bindgen-cli --version "=$want_bindgen" --locked --force \
    || cargo install --root "$EDGE_ARENA_TOOLS" wasm-bindgen-cli --version "=$want_bindgen" --force
fi

# 4. worker-build at the version of the worker crate.
want_wb="$(locked_version worker)"
have_wb="$(worker-build --version 2>/dev/null | awk "{print \$NF}" || true)"
if [ "$have_wb" != "$want_wb" ]; then
  say "building worker-build $want_wb (once per machine)"
  cargo install --root "$EDGE_ARENA_TOOLS" worker-build --version "=$want_wb" --locked --force \
    || cargo install --root "$EDGE_ARENA_TOOLS" worker-build --version "=$want_wb" --force
fi

say "ready: node $(node --version), wrangler $(wrangler --version 2>/dev/null | tail -1), wasm-bindgen $want_bindgen, worker-build $want_wb"
