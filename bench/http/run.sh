#!/usr/bin/env bash
# Runs wrk against bench_http_server on loopback and records the numbers. Builds nothing.
#
#   bench/http/run.sh [PATH/TO/bench_http_server]
#
# Default binary: build/release/bench/http/bench_http_server (cmake --preset release && cmake
# --build build/release --target bench_http_server). Env: DURATION (default 5s), THREADS (server io
# threads, default 1), PIN=1 (server on core 0, wrk on core 1, via taskset), RESULTS (default bench/http/results.tsv; one line per wrk run is appended).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/build/release/bench/http/bench_http_server}"
duration="${DURATION:-5s}"
threads="${THREADS:-1}"
results="${RESULTS:-$here/results.tsv}"
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 2; }
[ -x "$bin" ] || { echo "no server binary at $bin (build it first, or pass its path)" >&2; exit 2; }

log="$(mktemp)"
srv_pin=() wrk_pin=()
if [ "${PIN:-0}" = 1 ]; then srv_pin=(taskset -c 0) wrk_pin=(taskset -c 1); fi
"${srv_pin[@]}" "$bin" --port 0 --threads "$threads" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^listening on //p' "$log")"
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "server did not start:"; cat "$log"; exit 1; } >&2

# Warm up, then measure.
wrk -t1 -c10 -d1s "$url/json" >/dev/null

machine="$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
[ -f "$results" ] ||
  printf 'date\tcommit\tio_threads\troute\twrk\treq_per_s\tp50\tp99\tcpu_us_per_req\tpeak_rss_kb\tloadavg\tmachine\n' \
    >"$results"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

run() {  # route wrk-args...
  local route="$1"; shift
  local out cpu0 cpu1
  cpu0="$(cpu_ticks)"
  if [ "$route" = "chat" ]; then
    out="$("${wrk_pin[@]}" wrk "$@" -d"$duration" --latency -s "$here/chat.lua" "$url/v1/chat/completions")"
  else
    out="$("${wrk_pin[@]}" wrk "$@" -d"$duration" --latency "$url/json")"
  fi
  cpu1="$(cpu_ticks)"
  local rps p50 p99 rss errs total us_per_req
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  total="$(awk '/requests in/ {print $1}' <<<"$out")"
  # Server CPU (user + system) per request: the stable number on a shared, noisy box.
  us_per_req="$(awk -v t="$((cpu1 - cpu0))" -v n="$total" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.1f", (n > 0) ? t * 1e6 / hz / n : 0 }')"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errs="$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)"
  rss="$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")"
  printf '%-5s wrk %-12s %10s req/s   p50 %-8s p99 %-8s server CPU %6s us/req   peak RSS %s kB%s\n' \
    "$route" "$*" "$rps" "$p50" "$p99" "$us_per_req" "$rss" "${errs:+ ($errs)}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$commit" "$threads${PIN:+ pin}" "$route" \
    "$*" "$rps" "$p50" "$p99" "$us_per_req" "$rss" "$(cut -d' ' -f1-3 /proc/loadavg)" "$machine" \
    >>"$results"
}

echo "server: $bin ($threads io thread(s)) at $url; machine: $machine; load: $(cut -d' ' -f1-3 /proc/loadavg)"
run json -t2 -c50
run json -t1 -c1
run chat -t2 -c50
run chat -t1 -c1
echo "recorded in $results"
