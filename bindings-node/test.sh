#!/usr/bin/env bash
# Builds and tests the guildhall Node module from a fresh checkout: installs the npm
# dev dependencies (@napi-rs/cli) pinned by package-lock.json, builds the addon (debug
# profile, sharing the workspace build; GUILDHALL_BINDINGS_RELEASE=1 for release) into
# the workspace's target directory, fails when the checked-in index.d.ts or
# native.js differ from what the build generates, builds the HTTP host the transport
# suite starts, and runs the node:test suites (both transports, load, worker threads,
# the alt:V example).
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

checked="$(mktemp -d)"
trap 'rm -rf "$checked"' EXIT
for f in index.d.ts native.js; do
  if [ -f "$f" ]; then cp "$f" "$checked/$f"; fi
done

profile=()
if [ "${GUILDHALL_BINDINGS_RELEASE:-0}" = 1 ]; then profile=(--release); fi
npx napi build --platform "${profile[@]}" --js native.js --dts index.d.ts

drift=0
for f in index.d.ts native.js; do
  if [ ! -f "$checked/$f" ]; then
    echo "bindings-node/$f was missing; generated it: commit it" >&2
    drift=1
  elif ! diff -u "$checked/$f" "$f"; then
    echo "bindings-node/$f differs from what napi build generates (diff above): commit the regenerated file" >&2
    drift=1
  fi
done
[ "$drift" = 0 ] || exit 1

# The transport suite starts `guildhall serve`; reuse a release build when one exists.
if [ -z "${GUILDHALL_BIN:-}" ]; then
  cargo build -p guildhall-host --bin guildhall
  export GUILDHALL_BIN="$CARGO_TARGET_DIR/debug/guildhall"
fi

node --test --test-concurrency=1 test/*.test.mjs
