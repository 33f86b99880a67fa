#!/usr/bin/env bash
# Builds the guildhall Python wheel and runs its tests and the examples' tests in a
# fresh virtualenv. Needs python3 (3.9+) with venv, a Rust toolchain and PyPI.
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
step "tools: maturin, pytest, pytest-asyncio, flask, discord.py"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "maturin>=1.9,<2" "pytest>=8" "pytest-asyncio>=0.23" flask discord.py

# Debug profile by default: it shares the workspace's debug build (the benchmark wants
# GUILDHALL_BINDINGS_RELEASE=1).
profile=()
if [[ "${GUILDHALL_BINDINGS_RELEASE:-0}" == 1 ]]; then profile=(--release); fi
step "build the wheel (${profile[*]:-debug})"
rm -rf "$wheels"
(cd "$here" && "$venv/bin/maturin" build "${profile[@]}" --quiet \
  --interpreter "$venv/bin/python" --out "$wheels")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/guildhall-*.whl

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
