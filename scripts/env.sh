# Sourced by the other scripts: paths and tool locations, nothing installed here.
#
# Tools built from crates.io (wasm-bindgen-cli, worker-build) live outside the repo in
# $EDGE_ARENA_TOOLS so every clone on a machine shares one build of them.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export EDGE_ARENA_TOOLS="${EDGE_ARENA_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/edge-arena/tools}"
# node_modules/.bin first: it holds Node 22 (the `node` package), wrangler, esbuild and
# binaryen's wasm-opt, so the right versions win over whatever the machine has.
export PATH="$ROOT/node_modules/.bin:$EDGE_ARENA_TOOLS/bin:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false

# The version of a package as Cargo.lock pins it.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' \
    "$ROOT/Cargo.lock"
}

# worker-build would download these from GitHub; point it at local copies instead.
export WASM_BINDGEN_BIN="$EDGE_ARENA_TOOLS/bin/wasm-bindgen"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
