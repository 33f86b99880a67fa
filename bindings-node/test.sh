#!/usr/bin/env bash
# Builds and tests the guildhall Node module from a fresh checkout: installs the npm
# dev dependencies (@napi-rs/cli, for its type-definition renderer) pinned by
# package-lock.json, takes the addon from the workspace's cargo build (debug profile;
# GUILDHALL_BINDINGS_RELEASE=1 for release), fails when the checked-in index.d.ts differs
# from what the Rust sources declare, and runs the node:test suites (both transports,
# load, worker threads, the alt:V example) against the HTTP host from the same build.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd .. && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

node -e 'const [a]=process.versions.node.split("."); if (+a < 20) { console.error("node >= 20 needed, found " + process.version); process.exit(1) }'

if [ ! -d node_modules/@napi-rs/cli ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install --no-save` installs exactly what package-lock.json pins (npm 11's `npm ci`
  # refuses this lock file over optional per-platform packages of @napi-rs/cli).
  npm install --no-save --no-audit --no-fund
fi

# The addon is the workspace build's own cdylib: the same `cargo build` command as the
# README's test command, so every shared dependency is compiled once, with one feature
# set. napi-derive records the type definitions meanwhile (.cargo/config.toml sets
# NAPI_TYPE_DEF_TMP_FOLDER); gen-dts.mjs renders index.d.ts from them.
# GUILDHALL_BINDINGS_RELEASE=1 builds the release profile instead (for the benchmark).
profile=debug
if [ "${GUILDHALL_BINDINGS_RELEASE:-0}" = 1 ]; then profile=release; fi
typedefs="$root/target/napi-type-def"
mkdir -p "$typedefs"
build() {
  if [ "$profile" = release ]; then
    (cd "$root" && cargo build --release -p guildhall-node -p guildhall-host --lib --bins --locked)
  else
    (cd "$root" && cargo build --workspace --all-targets --locked)
  fi
}
build
if [ ! -s "$typedefs/guildhall-node" ]; then
  # Compiled before the type-definition folder was set (or it was removed): compile the
  # crate again so napi-derive writes them.
  touch src/lib.rs
  build
fi
case "$(node -p 'process.platform + "-" + process.arch')" in
  linux-x64) addon=guildhall.linux-x64-gnu.node; lib=libguildhall_node.so ;;
  linux-arm64) addon=guildhall.linux-arm64-gnu.node; lib=libguildhall_node.so ;;
  darwin-x64) addon=guildhall.darwin-x64.node; lib=libguildhall_node.dylib ;;
  darwin-arm64) addon=guildhall.darwin-arm64.node; lib=libguildhall_node.dylib ;;
  *) echo "no addon file name known for this platform: build with 'npx napi build --platform'" >&2; exit 1 ;;
esac
cp "$CARGO_TARGET_DIR/$profile/$lib" "$addon"

generated="$(mktemp)"
trap 'rm -f "$generated"' EXIT
node gen-dts.mjs "$typedefs" "$generated"
if [ ! -f index.d.ts ]; then
  cp "$generated" index.d.ts
  echo "bindings-node/index.d.ts was missing; generated it: commit it" >&2
  exit 1
elif ! diff -u index.d.ts "$generated"; then
  echo "bindings-node/index.d.ts differs from what the Rust sources declare (diff above): regenerate it with" >&2
  echo "  node bindings-node/gen-dts.mjs target/napi-type-def bindings-node/index.d.ts   (after a cargo build) and commit it" >&2
  exit 1
fi

# The transport suite starts `guildhall serve` from the same build.
export GUILDHALL_BIN="${GUILDHALL_BIN:-$CARGO_TARGET_DIR/$profile/guildhall}"

node --test --test-concurrency=1 test/*.test.mjs
