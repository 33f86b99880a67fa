#!/usr/bin/env bash
# Installs the host as an operator does from a checkout, `cargo install --locked --path
# host-http`, into a fresh root, and runs the installed binary from there with no
# checkout files: `--version`, `keys create` and `migrate` on a new SQLite file,
# `serve` on a free loopback port answering `/readyz`, the catalog and an admin call
# with the key, then SIGTERM and a clean exit, and `verify-ledger` on what it served.
#
# The install uses the debug profile and the workspace's target directory (`--debug
# --target-dir`), so it compiles only what the host alone needs with other features
# than the workspace build; the release profile compiles the same code with
# optimisations (the release workflow and deploy/Dockerfile build it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
target="${CARGO_TARGET_DIR:-$root/target}"

work=$(mktemp -d)
host=""
cleanup() { [ -n "$host" ] && kill "$host" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "cargo install --locked --path host-http --debug --root $work/root"
cargo install --locked --path "$here" --debug --root "$work/root" --target-dir "$target" --quiet
bin="$work/root/bin/guildhall"
[ -x "$bin" ] || { echo "cargo install left no binary at $bin" >&2; exit 1; }

# From here on: the installed binary, a directory of its own, no cargo on PATH.
cd "$work"
export PATH=/usr/local/bin:/usr/bin:/bin
version=$("$bin" --version)
[[ "$version" == guildhall* ]] || { echo "unexpected --version: $version" >&2; exit 1; }
echo "installed: $version"

db="sqlite://$work/installed.db"
"$bin" migrate --database "$db" >/dev/null
key=$("$bin" keys create --database "$db" --name install-check --scope admin)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
GUILDHALL_JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \
  "$bin" serve --listen "127.0.0.1:$port" --database "$db" >"$work/host.log" 2>&1 &
host=$!
python3 - "$port" "$key" <<'PY' || { cat "$work/host.log"; exit 1; }
import json, sys, time, urllib.request
port, key = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"
for _ in range(200):
    try:
        urllib.request.urlopen(base + "/readyz", timeout=1)
        break
    except Exception:
        time.sleep(0.05)
else:
    sys.exit("the installed host never answered /readyz")
catalog = json.load(urllib.request.urlopen(base + "/v1/catalog", timeout=5))
assert isinstance(catalog, (list, dict)), catalog
req = urllib.request.Request(base + "/v1/admin/keys", headers={"Authorization": f"Bearer {key}"})
keys = json.load(urllib.request.urlopen(req, timeout=5))
names = [k["name"] for k in (keys["keys"] if isinstance(keys, dict) else keys)]
assert "install-check" in names, keys
try:
    urllib.request.urlopen(base + "/v1/admin/keys", timeout=5)
    sys.exit("an admin route answered without a key")
except urllib.error.HTTPError as e:
    assert e.code == 401, e.code
print(f"the installed host serves on {base}: readyz, catalog, admin keys with the key, 401 without")
PY
kill -TERM "$host"
status=0
wait "$host" || status=$?
host=""
[ "$status" = 0 ] || { cat "$work/host.log"; echo "the host exited with $status after SIGTERM" >&2; exit 1; }
"$bin" verify-ledger --database "$db" >/dev/null
echo "cargo install --path host-http: installed, served, stopped cleanly on SIGTERM, ledger verified"
