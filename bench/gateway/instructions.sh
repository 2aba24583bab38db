#!/usr/bin/env bash
# bench/gateway/instructions.sh: user-space instructions per gateway request, under callgrind.
#
#   bench/gateway/instructions.sh path/to/spacefactory [path/to/spacefactory ...]
#
# The steady number on a noisy machine: time-based measures here swing by ±15 % between identical
# runs, instruction counts by well under 1 %. For each binary: the upstream (build/release's
# gateway_upstream), `spacefactory serve --io-threads 1 --busy-poll-us 0` under
# `valgrind --tool=callgrind`, a 3 s warm-up at wrk -t1 -c4, the counters zeroed, 5 s of load
# (STREAM=1: streamed requests), then the counters dumped and divided by the requests wrk
# completed. Every thread is counted, the ledger writer included; kernel time is not (see
# run.sh's CPU per request for that). Under callgrind the rate is ~1k req/s, so ledger batches are
# small and its share is larger than at full speed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
upstream_bin="${UPSTREAM_BIN:-$root/build/release/bench/gateway/gateway_upstream}"
[ $# -ge 1 ] || { echo "usage: $0 spacefactory-binary..." >&2; exit 2; }
for tool in valgrind callgrind_control callgrind_annotate wrk; do
  command -v "$tool" >/dev/null || { echo "instructions.sh: $tool not found" >&2; exit 2; }
done
[ -x "$upstream_bin" ] || { echo "instructions.sh: missing $upstream_bin" >&2; exit 2; }

lua="$here/chat.lua"
work="$(mktemp -d /tmp/sf-bench-instr.XXXXXX)"
if [ "${STREAM:-0}" = 1 ]; then
  sed 's/"model":"bench-model",/"model":"bench-model","stream":true,/' "$here/chat.lua" >"$work/stream.lua"
  lua="$work/stream.lua"
fi
source "$here/procs.sh"
trap 'stop_all; rm -rf "$work"' EXIT

for bin in "$@"; do
  bin="$(readlink -f "$bin")"
  "$upstream_bin" --port 0 --threads 1 >"$work/up.log" 2>&1 &
  pids+=($!)
  up="$(printed "$work/up.log" 's/^listening on //p' 5)"
  printf 'providers:\n  upstream:\n    url: %s/v1\n    api_key: sk-bench\n    models: [bench-model]\n' \
    "$up" >"$work/agentic-config.yaml"
  rm -rf "$work/store" "$work"/cg.out.* && mkdir -p "$work/store"
  (cd "$work" && exec env -u HF_TOKEN -u OPENROUTER_KEY -u OPENROUTER_API_KEY -u AGENTIC_CONFIG \
    SPACE_FACTORY_STORE="$work/store" valgrind --tool=callgrind --callgrind-out-file="$work/cg.out.%p" \
    "$bin" serve --config "$work/agentic-config.yaml" --port 0 --io-threads 1 --busy-poll-us 0 \
    >"$work/gw.log" 2>&1) &
  vg=$!
  pids+=("$vg")
  gw="$(printed "$work/gw.log" 's/^serving on \(http:\/\/127.0.0.1:[0-9]*\).*/\1/p' 30)"
  wrk -t1 -c4 -d3s -s "$lua" "$gw/v1/chat/completions" >/dev/null
  sleep 1.5  # the ledger's batch window passes
  callgrind_control -z "$vg" >/dev/null 2>&1
  out="$(wrk -t1 -c4 -d5s -s "$lua" "$gw/v1/chat/completions")"
  sleep 1.5
  callgrind_control -d "$vg" >/dev/null 2>&1
  n="$(awk '/requests in/ {print $1}' <<<"$out")"
  dump="$(ls -t "$work"/cg.out.* | head -1)"
  ir="$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')"
  awk -v b="$bin" -v n="$n" -v ir="$ir" \
    'BEGIN { printf "%s: %d requests, %.1fk instructions per request\n", b, n, ir / n / 1000 }'
  stop_all
done
