#!/usr/bin/env bash
# bench/mcp: `tools/call` of a no-op tool against our MCP server and the official TypeScript SDK's
# server, side by side in one run, with ONE load client (mcp_load, C++/Beast) for all of them.
#
#   bench/mcp/run.sh [SPACEFACTORY_BINARY [MCP_LOAD_BINARY]]
#
# Defaults: build/release/src/cli/spacefactory and build/release/bench/mcp/mcp_load (cmake --preset release
# && cmake --build build/release --target spacefactory mcp_load), or BUILD=build/DIR for both.
# Cells: Streamable HTTP at concurrency 1 (sequential), 10 and 50 (one MCP session per client,
# keep-alive), and stdio sequential. Servers:
#   ours     `spacefactory serve --conformance --port 0` (/mcp) and `spacefactory mcp --conformance`
#   ts       bench/mcp/ts_server.mjs: @modelcontextprotocol/sdk (pinned in tests/mcp_clients),
#            stateful Streamable HTTP, SSE responses (the SDK default) — and ts-json, the same with
#            enableJsonResponse (application/json responses)
#   example  the SDK's shipped example dist/esm/examples/server/simpleStreamableHttp.js as is (its
#            `greet` tool; it logs every request to stdout, sent to /dev/null), c=1 and c=10 only
# The no-op tool is `test_simple_text` (a fixed text block) on ours and on ts/ts-json.
# Env: REQUESTS (per HTTP cell, default 5000), STDIO_REQUESTS (default 5000), WARMUP (per client,
# default 200), PIN=1 (servers on core 0, the client on core 1, via taskset), IO_THREADS (our
# serve --io-threads; default: serve's default), RESULTS (default bench/mcp/results.tsv; one line per
# cell is appended).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD:-$root/build/release}"
sf="${1:-$build/src/cli/spacefactory}"
load="${2:-$build/bench/mcp/mcp_load}"
requests="${REQUESTS:-5000}"
stdio_requests="${STDIO_REQUESTS:-5000}"
warmup="${WARMUP:-200}"
results="${RESULTS:-$here/results.tsv}"
modules="$root/tests/mcp_clients/node_modules"
[ -x "$sf" ] || { echo "no spacefactory binary at $sf (build it, or pass its path)" >&2; exit 2; }
[ -x "$load" ] || { echo "no mcp_load at $load (build target mcp_load, or pass its path)" >&2; exit 2; }
command -v node >/dev/null || { echo "node not found" >&2; exit 2; }
# The pinned SDK (same folder and lock as the e2e tests; npm ci only when missing or stale).
lock_sum="$(sha256sum "$root/tests/mcp_clients/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$modules/.lock.sha256" 2>/dev/null)" != "$lock_sum" ]; then
  (cd "$root/tests/mcp_clients" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$modules/.lock.sha256"
fi

srv_pin=() cli_pin=()
if [ "${PIN:-0}" = 1 ]; then srv_pin=(taskset -c 0) cli_pin=(taskset -c 1); fi
ours_serve=(serve --conformance --port 0)
[ -n "${IO_THREADS:-}" ] && ours_serve+=(--io-threads "$IO_THREADS")

tmp="$(mktemp -d)"
pid=""
stop_server() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=""
}
trap 'stop_server; rm -rf "$tmp"' EXIT

# start_server NAME URL-REGEX CMD... : starts CMD in the background, waits for its URL line.
url=""
start_server() {
  local name="$1" pattern="$2"; shift 2
  "${srv_pin[@]}" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  url=""
  for _ in $(seq 1 600); do
    url="$(sed -n "s#^$pattern#\\1#p" "$tmp/$name.out" | head -1)"
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$url" ]; then
    echo "$name did not start:" >&2; cat "$tmp/$name.out" "$tmp/$name.err" >&2; exit 1
  fi
}
rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

machine="$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -f "$results" ] || printf 'date\tcommit\tserver\ttransport\tconcurrency\tcalls\terrors\treq_per_s\tp50_us\tp90_us\tp99_us\tmax_us\tcontent_type\tserver_cpu_us_per_call\tidle_rss_kb\tpeak_rss_kb\tloadavg\tmachine\n' >"$results"
declare -A RPS P50 P99 CT CPU IDLE PEAK

# cell LABEL TRANSPORT CONCURRENCY [mcp_load args...]: one measurement; server $pid for CPU/RSS.
cell() {
  local label="$1" transport="$2" conc="$3"; shift 3
  local c0=0 c1=0 out line n
  [ -n "$pid" ] && c0="$(cpu_ticks "$pid")"
  out="$("${cli_pin[@]}" "$load" --label "$label" --concurrency "$conc" "$@")" || {
    echo "$out"; echo "mcp_load failed for $label $transport c=$conc" >&2; exit 1; }
  [ -n "$pid" ] && c1="$(cpu_ticks "$pid")"
  grep -v '^RESULT\|^STDIO_SERVER_PID' <<<"$out"
  line="$(grep '^RESULT' <<<"$out")"
  local errors rps p50 p90 p99 max ct
  read -r _ _ _ _ n errors rps p50 p90 p99 max ct <<<"$line"
  local key="$label/$transport/$conc" cpu="-"
  [ -n "$pid" ] && cpu="$(awk -v t="$((c1 - c0))" -v n="$n" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.1f", (n > 0) ? t * 1e6 / hz / n : 0 }')"
  RPS[$key]="$rps" P50[$key]="$p50" P99[$key]="$p99" CT[$key]="$ct" CPU[$key]="$cpu"
  local peak="-" idle="${IDLE[$label]:--}"
  [ -n "$pid" ] && peak="$(rss_kb "$pid" VmHWM)"
  [ "$transport" = stdio ] && idle="-"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$(date -u +%FT%TZ)" "$commit" "$label" "$transport" "$conc" "$n" "$errors" "$rps" "$p50" \
    "$p90" "$p99" "$max" "$ct" "$cpu" "$idle" "$peak" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$machine" >>"$results"
}

http_cells() {  # LABEL [extra mcp_load args]
  local label="$1"; shift
  cell "$label" http 1 --url "$url" --requests "$requests" --warmup "$warmup" "$@"
  cell "$label" http 10 --url "$url" --requests "$requests" --warmup "$((warmup / 10 + 1))" "$@"
  cell "$label" http 50 --url "$url" --requests "$requests" --warmup "$((warmup / 50 + 1))" "$@"
}

echo "machine: $machine; load: $(cut -d' ' -f1-3 /proc/loadavg); commit $commit; pin ${PIN:-0}"
echo "calls per HTTP cell: $requests (after $warmup warm-up calls per client); stdio: $stdio_requests"

# --- ours, HTTP
start_server ours 'serving on \(http://[0-9.:]*\)$' "$sf" "${ours_serve[@]}"
url="$url/mcp"
sleep 0.5
IDLE[ours]="$(rss_kb "$pid" VmRSS)"
echo "== ours: ${ours_serve[*]} at $url (idle RSS ${IDLE[ours]} kB)"
http_cells ours
PEAK[ours]="$(rss_kb "$pid" VmHWM)"
sleep 1
AFTER_OURS="$(rss_kb "$pid" VmRSS)"
stop_server

# --- TypeScript SDK, SSE responses and JSON responses
for mode in ts ts-json; do
  flag=()
  [ "$mode" = ts-json ] && flag=(--json)
  start_server "$mode" 'listening on \(http://.*\)$' node "$here/ts_server.mjs" "$modules" "${flag[@]}"
  sleep 0.5
  IDLE[$mode]="$(rss_kb "$pid" VmRSS)"
  echo "== $mode: ts_server.mjs ${flag[*]} at $url (idle RSS ${IDLE[$mode]} kB)"
  http_cells "$mode"
  PEAK[$mode]="$(rss_kb "$pid" VmHWM)"
  stop_server
done

# --- the SDK's shipped example server, as is (fixed-port code: MCP_PORT picks a free port)
example="$modules/@modelcontextprotocol/sdk/dist/esm/examples/server/simpleStreamableHttp.js"
free_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
MCP_PORT="$free_port" "${srv_pin[@]}" node "$example" >/dev/null 2>"$tmp/example.err" &
pid=$!
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$free_port") 2>/dev/null && break
  sleep 0.05
done
url="http://127.0.0.1:$free_port/mcp"
sleep 0.5
IDLE[example]="$(rss_kb "$pid" VmRSS)"
echo "== example: simpleStreamableHttp.js at $url (idle RSS ${IDLE[example]} kB)"
cell example http 1 --url "$url" --requests "$requests" --warmup "$warmup" --tool greet --args '{"name":"bench"}'
cell example http 10 --url "$url" --requests "$requests" --warmup 21 --tool greet --args '{"name":"bench"}'
PEAK[example]="$(rss_kb "$pid" VmHWM)"
stop_server

# --- stdio, sequential
echo "== stdio"
cell ours stdio 1 --stdio --requests "$stdio_requests" --warmup "$warmup" -- "${srv_pin[@]}" "$sf" mcp --conformance
cell ts stdio 1 --stdio --requests "$stdio_requests" --warmup "$warmup" -- "${srv_pin[@]}" node "$here/ts_server.mjs" "$modules" --stdio

# --- ratios and targets
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
# The TypeScript server in the same response mode as ours is the fair comparison.
ref=ts
[ "${CT[ours/http/1]}" = application/json ] && ref=ts-json
echo
echo "== ratios (ours vs $ref, the TypeScript server answering in the same content type: ${CT[ours/http/1]})"
printf '%-10s %12s %12s %9s %11s %11s %14s\n' cell ours_req/s ts_req/s x_thrpt ours_p50_us ts_p50_us "cpu_us/call o/t"
for key in http/1 http/10 http/50 stdio/1; do
  t="$ref"; [ "$key" = stdio/1 ] && t=ts
  printf '%-10s %12s %12s %8sx %11s %11s %7s/%s\n' "$key" "${RPS[ours/$key]}" "${RPS[$t/$key]}" \
    "$(ratio "${RPS[ours/$key]}" "${RPS[$t/$key]}")" "${P50[ours/$key]}" "${P50[$t/$key]}" \
    "${CPU[ours/$key]}" "${CPU[$t/$key]}"
done
echo "shipped example (greet): c=1 ${RPS[example/http/1]} req/s, c=10 ${RPS[example/http/10]} req/s;" \
  "ours/example x$(ratio "${RPS[ours/http/1]}" "${RPS[example/http/1]}") and x$(ratio "${RPS[ours/http/10]}" "${RPS[example/http/10]}")"
echo "RSS kB idle/peak: ours ${IDLE[ours]}/${PEAK[ours]} (after the run ${AFTER_OURS}), ts ${IDLE[ts]}/${PEAK[ts]}," \
  "ts-json ${IDLE[ts-json]}/${PEAK[ts-json]}, example ${IDLE[example]}/${PEAK[example]}"
echo
echo "== targets"
fail=0
check() {  # description ok(0/1)
  if [ "$2" = 1 ]; then echo "PASS $1"; else echo "MISS $1"; fail=1; fi
}
for c in 1 10 50; do
  r="$(ratio "${RPS[ours/http/$c]}" "${RPS[$ref/http/$c]}")"
  check "throughput >= 10x TypeScript at c=$c over HTTP (x$r)" "$(awk -v r="$r" 'BEGIN{print (r >= 10) ? 1 : 0}')"
done
check "p50 < 200 us sequential over HTTP (${P50[ours/http/1]} us)" "$(awk -v p="${P50[ours/http/1]}" 'BEGIN{print (p < 200) ? 1 : 0}')"
check "idle RSS <= 20 MB (${IDLE[ours]} kB)" "$(awk -v r="${IDLE[ours]}" 'BEGIN{print (r <= 20480) ? 1 : 0}')"
echo "recorded in $results"
exit "$fail"
