#!/usr/bin/env bash
# Runs the benchmarks side by side in one go (release build): the card pipeline over all model cards,
# and the start time of `spacefactory --version` against `/bin/true` (ratio printed by hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target spacefactory card_bench >/dev/null
echo "== card pipeline (parse + analyse + generate), all cards"
./build/release/bench/card_bench "${SF_TESTDATA_DIR:-tests/data}/modelcards" "${REPEATS:-50}"
echo
echo "== start time: spacefactory --version vs /bin/true"
hyperfine -N --warmup 20 --runs "${RUNS:-300}" '/bin/true' './build/release/src/cli/spacefactory --version'
