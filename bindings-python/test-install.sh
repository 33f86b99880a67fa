#!/usr/bin/env bash
# Builds the guildhall Python packages as they are published and installs them as a
# user does: one abi3 wheel (CPython 3.9 and later) with its manylinux tag checked by
# maturin, and an sdist; installs the wheel into fresh venvs of two Python versions
# found here (one if only one is), runs a bot-like asyncio script and a Flask-like
# threaded script in each (install-test/bot.py, site.py), and `mypy --strict` on a typed
# example (install-test/typed.py) against the stubs the wheel ships.
#
# The wheel is built by maturin with the workspace's debug profile and target dir, so
# it reuses what the README's test command compiled. Environment: PYTHON (the tools'
# interpreter, default python3), CARGO_TARGET_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
python="${PYTHON:-python3}"
tools="$CARGO_TARGET_DIR/python-pack-venv"
step() { printf '\n== %s\n' "$*"; }

if [[ ! -x "$tools/bin/maturin" || ! -x "$tools/bin/mypy" ]]; then
  step "tools venv: maturin, mypy"
  rm -rf "$tools"
  "$python" -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "maturin>=1.9,<2" "mypy>=1.10"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "abi3 wheel and sdist (maturin)"
(cd "$here" && "$tools/bin/maturin" build --profile dev --locked --quiet --out "$work/dist")
(cd "$here" && "$tools/bin/maturin" sdist --out "$work/dist")
wheel=$(ls "$work"/dist/guildhall-*.whl)
sdist=$(ls "$work"/dist/guildhall-*.tar.gz)
echo "wheel: ${wheel##*/}"
echo "sdist: ${sdist##*/}"
[[ "${wheel##*/}" =~ -cp39-abi3-(manylinux|musllinux)_[0-9]+_[0-9]+_[a-z0-9_]+\.whl$ ]] \
  || { echo "the wheel is not an abi3 manylinux wheel for CPython 3.9+: ${wheel##*/}" >&2; exit 1; }
# (Listings read whole first: `grep -q` quitting early would fail the pipe under pipefail.)
sdist_files=$(tar -tzf "$sdist")
grep -q '/pyproject.toml$' <<<"$sdist_files" || { echo "the sdist has no pyproject.toml" >&2; exit 1; }
wheel_files=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$wheel")
grep -q '^guildhall/__init__.pyi$' <<<"$wheel_files" || { echo "the wheel ships no stubs" >&2; exit 1; }

# Interpreters: the tools' python and the oldest other CPython >= 3.9 found (PATH or pyenv).
interpreters=("$(command -v "$python")")
own=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
for v in 3.9 3.10 3.11 3.12 3.13; do
  [[ "$v" == "$own" ]] && continue
  for cand in "python$v" "$(pyenv root 2>/dev/null)/versions/$v"*/bin/"python$v"; do
    if [[ -n "$cand" ]] && "$cand" -c 'import sys, venv' >/dev/null 2>&1; then
      interpreters+=("$(command -v "$cand" || echo "$cand")"); break 2
    fi
  done
done

for interp in "${interpreters[@]}"; do
  ver=$("$interp" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  step "fresh venv on Python $ver: install the wheel, run the bot-like and the site-like script"
  venv="$work/venv-$ver"
  "$interp" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "$wheel"
  (cd "$work" && "$venv/bin/python" "$here/install-test/bot.py")
  (cd "$work" && "$venv/bin/python" "$here/install-test/site.py")
done

step "mypy --strict on a typed example against the shipped stubs"
venv="$work/venv-$own"
(cd "$work" && MYPYPATH= "$tools/bin/mypy" --strict --python-executable "$venv/bin/python" \
  --no-incremental "$here/install-test/typed.py")
