#!/usr/bin/env bash
# Installs guildhall's npm packages as a user's resource gets them and runs them there:
# packs the main package and this machine's platform package (pack.mjs, the layout
# napi-rs packages publish), installs the two tarballs into a fresh directory with npm
# (offline, and with no Rust toolchain on PATH: nothing is compiled at install), runs a
# check of the installed module (install-test/run.mjs), the alt:V example resource
# (examples/altv-resource/play.mjs) on the installed package, and `tsc --strict` on a
# typed resource (install-test/resource.ts) against the shipped index.d.ts.
#
# Needs the addon from the workspace build (the README's test command builds it first)
# and bindings-node/node_modules (test.sh installs it; typescript is a dev dependency).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
target="${CARGO_TARGET_DIR:-$root/target}"
profile=debug
if [ "${GUILDHALL_BINDINGS_RELEASE:-0}" = 1 ]; then profile=release; fi
addon="$target/$profile/libguildhall_node.so"
[ -f "$addon" ] || { echo "no addon at $addon: run cargo build --workspace --all-targets --locked first" >&2; exit 1; }
[ -x "$here/node_modules/.bin/tsc" ] || (cd "$here" && npm install --no-save --no-audit --no-fund)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t tarballs < <(node "$here/pack.mjs" "$addon" "$work/tarballs")
echo "packed: ${tarballs[*]##*/}"

app="$work/resource"
mkdir -p "$app"
cp -r "$root/examples/altv-resource/server" "$root/examples/altv-resource/stand-in" \
  "$root/examples/altv-resource/play.mjs" "$root/examples/altv-resource/guildhall.toml" \
  "$root/examples/altv-resource/resource.toml" "$app/"
cp "$here/install-test/run.mjs" "$here/install-test/resource.ts" "$here/install-test/tsconfig.json" "$app/"
cat >"$app/package.json" <<JSON
{ "name": "installed-resource", "private": true, "type": "module" }
JSON

# A PATH without cargo, rustc or rustup: the install must not build anything.
clean_path=$(tr ':' '\n' <<<"$PATH" | grep -v -e '\.cargo/bin' -e '\.rustup' | paste -sd: -)
(
  cd "$app"
  export PATH="$clean_path"
  if command -v cargo >/dev/null || command -v rustc >/dev/null; then
    echo "a Rust toolchain is still on PATH" >&2; exit 1
  fi
  npm install --offline --no-audit --no-fund --loglevel=error "${tarballs[@]}"
  node -e 'const p=require("./package.json"); console.log("installed:", Object.keys(p.dependencies).join(", "))'
  node run.mjs
  node play.mjs >"$work/play.log" || { cat "$work/play.log"; exit 1; }
  echo "examples/altv-resource/play.mjs passed on the installed package"
  "$here/node_modules/.bin/tsc" -p tsconfig.json
  echo "tsc --strict: resource.ts type-checks against the installed index.d.ts"
)
