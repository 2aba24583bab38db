#!/usr/bin/env bash
# Installs everything the build and the tests need on Debian 12. Idempotent: a second run installs
# nothing and takes about a second. Debian packages (as root, or through sudo), then the pinned Python
# test tools into tests/.venv (project-local; the product itself never needs Python at runtime, only
# `python3` for the py_compile static check of generated Spaces).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang libclang-rt-14-dev clang-format
  libcurl4-openssl-dev libssl-dev libboost-dev libboost-system-dev nlohmann-json3-dev libyaml-cpp-dev
  libsqlite3-dev sqlite3 libcli11-dev libfmt-dev libspdlog-dev libsodium-dev
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

# Pinned Python test tools (tests/requirements.txt) in a project-local venv. Re-created only when the
# pins change.
VENV=tests/.venv
stamp="$VENV/.requirements.sha256"
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "install-deps: creating $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
  echo "$want" >"$stamp"
fi
# Pinned Node test tools (tests/package.json + package-lock.json) in tests/node_modules.
if [ -f tests/package-lock.json ]; then
  if ! command -v npm >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  nstamp=tests/node_modules/.lock.sha256
  nwant=$(sha256sum tests/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$nstamp" 2>/dev/null)" != "$nwant" ]; then
    echo "install-deps: npm ci in tests/"
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
    echo "$nwant" >"$nstamp"
  fi
fi
echo "install-deps: ok"
