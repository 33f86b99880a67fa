#!/usr/bin/env bash
# Builds the guildhall Python module and runs its tests and the examples' tests in a
# fresh virtualenv. Needs python3 (3.9+) with venv, a Rust toolchain and PyPI. The module
# comes from the workspace's cargo build; GUILDHALL_BINDINGS_RELEASE=1 builds the release
# wheel with maturin instead.
#
#   bindings-python/test.sh [pytest args...]
#
# Environment: GUILDHALL_BINDINGS_RELEASE=1 for a release build, CARGO_TARGET_DIR
# (default: the workspace's target/), PYTHON (default
# python3), GUILDHALL_PY_KEEP_VENV=1 to reuse the previous virtualenv, GUILDHALL_PY_BENCH=1
# to run the benchmark afterwards.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
python="${PYTHON:-python3}"
venv="$CARGO_TARGET_DIR/python-venv"
wheels="$CARGO_TARGET_DIR/python-wheels"

step() { printf '\n== %s\n' "$*"; }

if [[ "${GUILDHALL_PY_KEEP_VENV:-0}" != 1 || ! -x "$venv/bin/python" ]]; then
  step "fresh virtualenv at $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
tools=("pytest>=8" "pytest-asyncio>=0.23" flask discord.py)
if [[ "${GUILDHALL_BINDINGS_RELEASE:-0}" == 1 ]]; then tools+=("maturin>=1.9,<2"); fi
step "tools: ${tools[*]}"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${tools[@]}"

if [[ "${GUILDHALL_BINDINGS_RELEASE:-0}" == 1 ]]; then
  # The release wheel, as maturin packages it (for the benchmark).
  step "build the release wheel (maturin)"
  rm -rf "$wheels"
  (cd "$here" && "$venv/bin/maturin" build --release --quiet \
    --interpreter "$venv/bin/python" --out "$wheels")
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/guildhall-*.whl
else
  # The module from the workspace's own cargo build (the README's test command runs the
  # same command first, so nothing is compiled twice; .cargo/config.toml builds it as an
  # extension module), installed into the venv's site-packages with the Python sources.
  step "build the module (the workspace's cargo build) and install it into the venv"
  (cd "$root" && cargo build --workspace --all-targets --locked)
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  suffix=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
  rm -rf "$site/guildhall" "$site"/guildhall-*.dist-info
  cp -r "$here/python/guildhall" "$site/guildhall"
  cp "$CARGO_TARGET_DIR/debug/lib_native.so" "$site/guildhall/_native$suffix"
fi

# Each suite runs from its own directory against the installed wheel (not the source tree).
step "bindings-python tests"
(cd "$here" && "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@")
step "examples/discord-bot tests"
(cd "$root/examples/discord-bot" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@")
step "examples/flask-site tests"
(cd "$root/examples/flask-site" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@")

if [[ "${GUILDHALL_PY_BENCH:-0}" == 1 ]]; then
  step "benchmark"
  "$venv/bin/python" "$here/bench.py"
fi
