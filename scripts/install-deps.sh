#!/usr/bin/env bash
# Installs everything the build and the tests need on Debian 12. Idempotent: a second run installs
# nothing and takes about a second. Debian packages (as root, or through sudo), then the pinned Python
# test tools into tests/.venv (project-local; the product itself never needs Python at runtime, only
# `python3` for the py_compile static check of generated Spaces).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates ccache
  clang libclang-rt-14-dev clang-format
  libcurl4-openssl-dev libssl-dev libboost-dev libboost-system-dev nlohmann-json3-dev libyaml-cpp-dev
  libsqlite3-dev sqlite3 libcli11-dev libfmt-dev libspdlog-dev libsodium-dev zlib1g-dev libmimalloc-dev
  libsimdjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  bubblewrap wrk hyperfine
  python3 python3-venv
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Pinned Python test tools in project-local venvs, one per requirements file:
# tests/requirements.txt → tests/.venv, tests/requirements-NAME.txt → tests/.venv-NAME (tools whose pins
# conflict get their own venv, e.g. a second gradio major). Re-created only when the pins change.
for req in tests/requirements*.txt; do
  base=$(basename "$req" .txt)
  VENV=tests/.venv${base#requirements}
  stamp="$VENV/.requirements.sha256"
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "install-deps: creating $VENV from $req"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
  fi
done
# Pinned Node test tools: every folder under tests/ with a package-lock.json gets its own
# node_modules (npm ci), redone only when the lock changes.
for lock in tests/package-lock.json tests/*/package-lock.json; do
  [ -f "$lock" ] || continue
  if ! command -v npm >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  dir=$(dirname "$lock")
  nstamp=$dir/node_modules/.lock.sha256
  nwant=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ "$(cat "$nstamp" 2>/dev/null)" != "$nwant" ]; then
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$nwant" >"$nstamp"
  fi
done
echo "install-deps: ok"
