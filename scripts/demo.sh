#!/usr/bin/env bash
# The main job on the embedded default, from a fresh Debian 12 machine: installs dependencies, builds
# the release binary, and builds a Space for the bundled example card. No token, no network. Runs are
# stored in ./.sf-store (override with SPACE_FACTORY_STORE).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target spacefactory >/dev/null
export SPACE_FACTORY_STORE=${SPACE_FACTORY_STORE:-$PWD/.sf-store}
exec ./build/release/src/cli/spacefactory demo "$@"
