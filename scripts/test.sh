#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs dependencies, builds with ASan+UBSan
# (warnings are errors), runs every fuzz target for a bounded time, then runs ctest. The closing line
# is ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

jobs=$(nproc)
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

# Fuzz targets (clang + libFuzzer), each for FUZZ_SECONDS, starting from the seed corpora.
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target fuzzers
for target in build/fuzz/tests/fuzz/*_fuzz; do
  name=$(basename "$target")
  corpus=$(mktemp -d)
  seeds=tests/fuzz/corpus/${name%_fuzz}
  [ "$name" = card_fuzz ] && seeds="$seeds tests/data/modelcards"
  echo "fuzz: $name for ${FUZZ_SECONDS}s"
  "$target" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=0 \
    "$corpus" $(for d in $seeds; do [ -d "$d" ] && echo "$d"; done) 2>build/fuzz/"$name".log ||
    { tail -40 build/fuzz/"$name".log; echo "fuzz: $name FAILED"; exit 1; }
  rm -rf "$corpus"
done

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --preset asan -j "$jobs"
