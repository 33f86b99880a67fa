#!/usr/bin/env bash
# End-to-end test of the operator console in a real headless Chromium: installs
# Debian's chromium when /usr/bin/chromium is missing, the pinned playwright-core (no
# browser download) when node_modules is missing, builds the host binary when missing,
# starts `guildhall serve --dev` on a free loopback port with a fresh SQLite file and
# examples/tour.toml plus a sampling interval and a queue (an admin key created first
# with `guildhall keys create`), runs
# console.test.mjs with `node --test`, and stops the host. Screenshots land in a
# temporary directory, or in docs/console/ (the README's) with GUILDHALL_SCREENSHOTS=1.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules/playwright-core ]; then
  npm install --no-save --no-audit --no-fund
fi
guildhall="${GUILDHALL_BIN:-$target/debug/guildhall}"
if [ ! -x "$guildhall" ]; then
  (cd "$root" && cargo build -p guildhall-host --bin guildhall)
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
db="sqlite:$work/console.db"
# The tour's config, with the players online sampled every 10 s and a duel queue, so the
# trends page has samples and a match to draw.
config="$work/console.toml"
cat "$root/examples/tour.toml" - >"$config" <<'TOML'

[schedule]
online_sample_secs = 10

[[queues]]
name = "duel"
teams = 2
team_size = 1
window = { initial = 10000.0, widen_per_sec = 0.0, max = 10000.0 }
max_wait_secs = 600
TOML
key=$("$guildhall" keys create --config "$config" --database "$db" --name console-e2e --scope admin)
"$guildhall" serve --dev --config "$config" --listen "127.0.0.1:$port" --database "$db" \
  >"$work/host.log" 2>&1 &
host=$!
cleanup() { kill "$host" 2>/dev/null || true; wait "$host" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=1)" 2>/dev/null; then break; fi
  if ! kill -0 "$host" 2>/dev/null; then cat "$work/host.log"; echo "host exited early" >&2; exit 1; fi
  sleep 0.1
done

shots="$work/screenshots"
if [ "${GUILDHALL_SCREENSHOTS:-0}" = 1 ]; then shots="$root/docs/console"; fi
mkdir -p "$shots"
GH_URL="http://127.0.0.1:$port" GH_KEY="$key" GH_SCREENSHOTS="$shots" \
  node --test console.test.mjs || { echo "--- host log"; tail -n 50 "$work/host.log"; exit 1; }
