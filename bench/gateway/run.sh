#!/usr/bin/env bash
# bench/gateway: OpenAI-compatible gateways side by side on one native upstream, in one run.
#
#   bench/gateway/run.sh
#
# Builds (release preset) spacefactory, gateway_upstream and gateway_ttfb; installs the pinned peers
# into this folder (Portkey: node_modules via npm ci; LiteLLM proxy: .venv via pip; both skipped
# when already there); starts the upstream, our gateway (`spacefactory serve`), Portkey and LiteLLM
# on free loopback ports, all pointed at the upstream; then measures, for every target:
#   1. throughput: wrk -t2 -cCONNECTIONS for DURATION (non-stream chat), TP_ROUNDS interleaved
#      rounds, median req/s; with RSS sampled under load
#      (VmRSS max, VmHWM; the whole process tree) and CPU per request (utime+stime / requests);
#      once with every process free to run on every CPU ("shared") and once isolated as
#      reference §5 asks (gateway on GATEWAY_CPUS, upstream and wrk on CLIENT_CPUS);
#   2. latency at concurrency 1: wrk -t1 -c1 for LAT_DURATION, ROUNDS rounds, targets interleaved;
#      the median of the rounds' p50 and p99, and the difference to direct;
#   3. TTFB of streams: gateway_ttfb, TTFB_REQUESTS sequential streams per target, interleaved;
#      once with the upstream writing the whole stream at once, once with its first event alone.
# Prints a table with ratios and the targets of issue 6, and appends the numbers to results.tsv.
#
# Env: BUILD_DIR (default build/release), DURATION (5s, per throughput round), TP_ROUNDS (3),
# CONNECTIONS (50), LAT_DURATION (2s),
# ROUNDS (5), TTFB_REQUESTS (2000), TTFB_MAX_SECONDS (8, per target), UPSTREAM_THREADS (2),
# SF_IO_THREADS (2, our gateway's io threads), TARGETS ("direct nginx ours portkey litellm"),
# LITELLM_WORKERS (1), WARM_CPUS=1 (latency phases on busy cores, see below), NO_BUILD=1,
# ISOLATE=0 (skip the isolated throughput run),
# PIN=1 (reference §5 isolation for every phase, not only the isolated throughput run: every
# gateway on GATEWAY_CPUS, default "0"; the upstream, wrk and gateway_ttfb on CLIENT_CPUS,
# default "1"; direct then runs on CLIENT_CPUS alone),
# KEEP=1 (keep the work dir with logs and raw wrk output),
# RESULTS (default bench/gateway/results.tsv).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build/release}"
duration="${DURATION:-5s}"
conns="${CONNECTIONS:-50}"
lat_duration="${LAT_DURATION:-2s}"
tp_rounds="${TP_ROUNDS:-3}"
rounds="${ROUNDS:-5}"
ttfb_requests="${TTFB_REQUESTS:-2000}"
ttfb_max_seconds="${TTFB_MAX_SECONDS:-8}"
upstream_threads="${UPSTREAM_THREADS:-2}"
sf_io_threads="${SF_IO_THREADS:-2}"
litellm_workers="${LITELLM_WORKERS:-1}"
results="${RESULTS:-$here/results.tsv}"
read -r -a targets <<<"${TARGETS:-direct nginx ours portkey litellm}"
# taskset prefixes: empty unless PIN=1.
pin_gw=() pin_client=()
if [ "${PIN:-0}" = 1 ]; then
  command -v taskset >/dev/null || { echo "run.sh: PIN=1 needs taskset" >&2; exit 2; }
  pin_gw=(taskset -c "${GATEWAY_CPUS:-0}")
  pin_client=(taskset -c "${CLIENT_CPUS:-1}")
fi

for tool in wrk curl node npm python3 awk; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found" >&2; exit 2; }
done

work="$(mktemp -d /tmp/sf-bench-gateway.XXXXXX)"
source "$here/procs.sh"
cleanup() {
  stop_all
  if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
has_target() { local t; for t in "${targets[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

# ---- build ----------------------------------------------------------------------------------
if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "== build ($build)"
  [ -f "$build/CMakeCache.txt" ] || cmake --preset release -B "$build" -S "$root" >/dev/null
  cmake --build "$build" -j 2 --target spacefactory gateway_upstream gateway_ttfb >/dev/null
fi
build="$(cd "$build" && pwd)"
sf="$build/src/cli/spacefactory"
upstream_bin="$build/bench/gateway/gateway_upstream"
ttfb_bin="$build/bench/gateway/gateway_ttfb"
for b in "$upstream_bin" "$ttfb_bin" $(has_target ours && echo "$sf"); do
  [ -x "$b" ] || { echo "run.sh: missing $b" >&2; exit 2; }
done

# ---- peers (pinned, idempotent) -------------------------------------------------------------
pkg_version() { sed -n 's/^  "version": "\(.*\)",$/\1/p' "$1" 2>/dev/null | head -1; }
if has_target portkey; then
  if [ "$(pkg_version "$here/node_modules/@portkey-ai/gateway/package.json")" != 1.15.2 ] ||
    [ "$(pkg_version "$here/node_modules/@hono/node-server/package.json")" != 1.13.8 ]; then
    echo "== installing Portkey gateway (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
if has_target litellm; then
  stamp="$here/.venv/.requirements"
  if ! cmp -s "$here/requirements.txt" "$stamp" 2>/dev/null || [ ! -x "$here/.venv/bin/litellm" ]; then
    echo "== installing LiteLLM proxy (pip, takes ~2 min the first time)"
    [ -x "$here/.venv/bin/python" ] || python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
  fi
fi

# ---- processes ------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for URL SECONDS [curl args...]: until URL answers 2xx.
wait_for() {
  local url="$1" secs="$2"; shift 2
  local i
  for ((i = 0; i < secs * 10; i++)); do
    curl -sf -o /dev/null --max-time 2 "$@" "$url" && return 0
    sleep 0.1
  done
  return 1
}

: >"$work/upstream.log"
: >"$work/ours.log"
"${pin_client[@]}" "$upstream_bin" --port 0 --threads "$upstream_threads" >"$work/upstream.log" 2>&1 &
upstream_pid=$!
pids+=("$upstream_pid")
upstream=""
upstream="$(printed "$work/upstream.log" 's/^listening on //p' 5)" ||
  { echo "upstream did not start:" >&2; cat "$work/upstream.log" >&2; exit 1; }

declare -A url pid hdrs status
url[direct]="$upstream"
pid[direct]="$upstream_pid"
hdrs[direct]=""

# LiteLLM takes ~20 s to import; start it first so it loads while the others start.
if has_target litellm; then
  port="$(free_port)"
  SF_BENCH_UPSTREAM_V1="$upstream/v1" SF_BENCH_UPSTREAM_KEY="sk-bench" \
    LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_TELEMETRY=False LITELLM_LOG=ERROR \
    DISABLE_ADMIN_UI=True NO_DOCS=True \
    "${pin_gw[@]}" "$here/.venv/bin/litellm" --config "$here/litellm.yaml" --host 127.0.0.1 --port "$port" \
    --num_workers "$litellm_workers" --log_config "$here/litellm-logging.json" \
    >"$work/litellm.log" 2>&1 &
  pid[litellm]=$!
  pids+=("${pid[litellm]}")
  url[litellm]="http://127.0.0.1:$port"
  hdrs[litellm]=""
fi

if has_target ours; then
  cat >"$work/agentic-config.yaml" <<EOF
# bench/gateway: one custom OpenAI-compatible provider on the native upstream.
providers:
  upstream:
    url: $upstream/v1
    api_key: sk-bench
    models: [bench-model]
EOF
  mkdir -p "$work/store"
  (cd "$work" && exec "${pin_gw[@]}" env -u HF_TOKEN -u OPENROUTER_KEY -u OPENROUTER_API_KEY -u AGENTIC_CONFIG \
    -u SPACE_FACTORY_API_KEY SPACE_FACTORY_STORE="$work/store" "$sf" serve --config "$work/agentic-config.yaml" \
    --port 0 --io-threads "$sf_io_threads" >"$work/ours.log" 2>&1) &
  pid[ours]=$!
  pids+=("${pid[ours]}")
  port="$(printed "$work/ours.log" 's/^serving on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' 5)" ||
    { echo "spacefactory serve did not start:" >&2; cat "$work/ours.log" >&2; exit 1; }
  url[ours]="http://127.0.0.1:$port"
  hdrs[ours]=""
fi

# nginx: not a gateway but the reference for what any proxy costs on this machine (HTTP in and
# out, upstream keep-alive, no JSON, routing or ledger). Debian's nginx-light when installed.
if has_target nginx; then
  if command -v nginx >/dev/null; then
    port="$(free_port)"
    cat >"$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream up { server ${upstream#http://}; keepalive 128; }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
    "${pin_gw[@]}" nginx -c "$work/nginx.conf" -g 'daemon off;' >>"$work/nginx.log" 2>&1 &
    pid[nginx]=$!
    pids+=("${pid[nginx]}")
    url[nginx]="http://127.0.0.1:$port"
    hdrs[nginx]=""
  else
    status[nginx]="skipped (no nginx; apt-get install nginx-light)"
  fi
fi

if has_target portkey; then
  port="$(free_port)"
  "${pin_gw[@]}" node "$here/node_modules/@portkey-ai/gateway/build/start-server.js" --port="$port" --headless \
    >"$work/portkey.log" 2>&1 &
  pid[portkey]=$!
  pids+=("${pid[portkey]}")
  url[portkey]="http://127.0.0.1:$port"
  hdrs[portkey]="x-portkey-provider: openai|x-portkey-custom-host: $upstream/v1"
fi

# Every target must answer one non-stream chat completion before it is measured; a target that
# cannot (our gateway before src/providers landed) is shown as pending.
chat_body='{"model":"bench-model","messages":[{"role":"user","content":"Hello, how are you?"}]}'
curl_headers() {  # target -> curl -H args on stdout, one per line
  local h
  IFS='|' read -r -a h <<<"${hdrs[$1]}"
  for x in "${h[@]}"; do printf -- '-H\n%s\n' "$x"; done
}
active=()
for t in "${targets[@]}"; do
  [ -n "${status[$t]:-}" ] && continue  # skipped above
  mapfile -t extra < <(curl_headers "$t")
  limit=10
  [ "$t" = litellm ] && limit=90
  if wait_for "${url[$t]}/v1/chat/completions" "$limit" -X POST -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer sk-bench' "${extra[@]}" -d "$chat_body"; then
    status[$t]=ok
    active+=("$t")
  else
    code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "${url[$t]}/v1/chat/completions" \
      -H 'Content-Type: application/json' "${extra[@]}" -d "$chat_body" || true)"
    status[$t]="pending (HTTP $code on POST /v1/chat/completions)"
    echo "-- $t: ${status[$t]}; log: $(tail -c 300 "$work/$t.log" 2>/dev/null | tr '\n' ' ')" >&2
  fi
done

# ---- measurement helpers --------------------------------------------------------------------
to_us() {  # wrk duration ("94.00us", "1.17ms", "1.49s") -> microseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000;
    else if (v ~ /m$/) print n * 60e6; else if (v ~ /s$/) print n * 1e6; else print "" }'
}
tree_pids() {  # pid and its descendants
  local p="$1" c
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}
tree_kb() {  # pid field(VmRSS|VmHWM) -> sum over the tree in kB
  local total=0 p v
  for p in $(tree_pids "$1"); do
    v="$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || true)"
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
tree_ticks() {
  local total=0 p v
  for p in $(tree_pids "$1"); do
    v="$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true)"
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
run_wrk() {  # target out-file wrk-args...
  local t="$1" out="$2"; shift 2
  WRK_HEADERS="${hdrs[$t]}" "${pin_client[@]}" wrk "$@" --latency -s "$here/chat.lua" \
    "${url[$t]}/v1/chat/completions" >"$out" 2>&1 || true
}
errors_of() {  # wrk output -> non-2xx + socket errors
  awk '/Non-2xx/ {e += $NF} /Socket errors/ {
         for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) e += $i + 0 } END { print e + 0 }' "$1"
}
median() { sort -n | awk '{a[NR] = $1} END { if (NR) print a[int((NR + 1) / 2)]; else print "" }'; }

machine="$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
if [ "${PIN:-0}" = 1 ]; then
  machine="$machine; pinned: gateways on CPU ${GATEWAY_CPUS:-0}, upstream + clients on CPU ${CLIENT_CPUS:-1}"
fi
echo "== machine: $machine; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== upstream $upstream ($upstream_threads io threads); targets: ${active[*]}"

# 1. throughput + RSS under load + CPU per request: TP_ROUNDS interleaved rounds (the order
# rotates per round, as in the latency phases), so a slow patch of the shared machine hits every
# target alike; req/s is the median of the rounds, CPU per request and errors are over all of them.
# Measured twice (unless PIN=1 pins everything anyway, or there is one CPU):
#   shared:   every process may run on every CPU: the gateway competes with wrk and the upstream
#             for the same two vCPUs, so its CPU per request is paid out of direct's budget;
#   isolated: reference §5 step 2 during the runs: the gateway's process tree on GATEWAY_CPUS,
#             the upstream and wrk on CLIENT_CPUS (direct then runs on CLIENT_CPUS alone), set
#             with taskset on the running processes and undone afterwards, so the latency phases
#             below run unpinned (pinned, direct's c=1 round trip never leaves one CPU).
tp_modes=(shared)
if [ "${PIN:-0}" != 1 ] && [ "${ISOLATE:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  command -v taskset >/dev/null && tp_modes+=(isolated)
fi
all_cpus="0-$(($(nproc) - 1))"
set_affinity() {  # cpus pid: every thread of the process tree
  local p
  for p in $(tree_pids "$2"); do taskset -a -p -c "$1" "$p" >/dev/null 2>&1 || true; done
}
declare -A rps rps_rounds tp_p99 tp_err rss_load rss_hwm cpu_us tp_ticks tp_total
for t in "${active[@]}"; do
  run_wrk "$t" /dev/null -t1 -c4 -d1s  # warm-up (connections, JIT, caches)
  rss_load[$t]=0
  for m in "${tp_modes[@]}"; do
    rps_rounds[$m:$t]="" tp_err[$m:$t]=0 tp_ticks[$m:$t]=0 tp_total[$m:$t]=0 tp_p99[$m:$t]=""
  done
done
n_active=${#active[@]}
for m in "${tp_modes[@]}"; do
  saved_pin=("${pin_client[@]}")
  if [ "$m" = isolated ]; then
    set_affinity "${CLIENT_CPUS:-1}" "$upstream_pid"
    pin_client=(taskset -c "${CLIENT_CPUS:-1}")
  fi
  for ((round = 0; round < tp_rounds; round++)); do
    for ((i = 0; i < n_active; i++)); do
      t="${active[$(((i + round) % n_active))]}"
      k="$m:$t"
      [ "$m" = isolated ] && [ "$t" != direct ] && set_affinity "${GATEWAY_CPUS:-0}" "${pid[$t]}"
      ticks0="$(tree_ticks "${pid[$t]}")"
      out="$work/wrk-$t-c$conns-$m-r$round.txt"
      run_wrk "$t" "$out" -t2 -c"$conns" -d"$duration" &
      wrk_pid=$!
      while kill -0 "$wrk_pid" 2>/dev/null; do
        kb="$(tree_kb "${pid[$t]}" VmRSS)"
        [ "$kb" -gt "${rss_load[$t]}" ] && rss_load[$t]="$kb"
        sleep 0.2
      done
      wait "$wrk_pid" || true
      ticks1="$(tree_ticks "${pid[$t]}")"
      [ "$m" = isolated ] && [ "$t" != direct ] && set_affinity "$all_cpus" "${pid[$t]}"
      r="$(awk '/^Requests\/sec/ {print $2}' "$out")"
      rps_rounds[$k]="${rps_rounds[$k]} ${r:-0}"
      tp_p99[$k]="${tp_p99[$k]} $(to_us "$(awk '$1 == "99%" {print $2}' "$out")")"
      tp_err[$k]=$((tp_err[$k] + $(errors_of "$out")))
      tp_ticks[$k]=$((tp_ticks[$k] + ticks1 - ticks0))
      tp_total[$k]=$((tp_total[$k] + $(awk '/requests in/ {print $1}' "$out" | head -1)))
    done
  done
  [ "$m" = isolated ] && set_affinity "$all_cpus" "$upstream_pid"
  pin_client=("${saved_pin[@]}")
done
for m in "${tp_modes[@]}"; do
  echo "   -- throughput, $m"
  for t in "${active[@]}"; do
    k="$m:$t"
    rps[$k]="$(tr ' ' '\n' <<<"${rps_rounds[$k]}" | grep . | median)"
    tp_p99[$k]="$(tr ' ' '\n' <<<"${tp_p99[$k]}" | grep . | median)"
    cpu_us[$k]="$(awk -v d="${tp_ticks[$k]}" -v n="${tp_total[$k]}" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%.1f", (n > 0) ? d * 1e6 / hz / n : 0 }')"
    printf '   %-8s c=%-3s %10s req/s (rounds:%s)  p99 %8s us  errors %s  CPU %s us/req\n' \
      "$t" "$conns" "${rps[$k]}" "${rps_rounds[$k]}" "${tp_p99[$k]}" "${tp_err[$k]}" "${cpu_us[$k]}"
  done
done
# The shared run is the row's main number; the isolated one is reported next to it.
iso="${tp_modes[1]:-}"
for t in "${active[@]}"; do
  rss_hwm[$t]="$(tree_kb "${pid[$t]}" VmHWM)"
  rps[$t]="${rps[shared:$t]}" cpu_us[$t]="${cpu_us[shared:$t]}"
  tp_err[$t]=0
  for m in "${tp_modes[@]}"; do tp_err[$t]=$((tp_err[$t] + tp_err[$m:$t])); done
  printf '   %-8s RSS %s kB under load (HWM %s)\n' "$t" "${rss_load[$t]}" "${rss_hwm[$t]}"
done

# Latency phases (2, 3). WARM_CPUS=1 keeps every core busy with SCHED_IDLE spinners, which any
# runnable task preempts at once: on this VM an idle vCPU halts, and waking it costs ~40-60 us per
# hop, which then dominates every c=1 number (direct: ~120 us idle vs ~55 us warm). Applied to all
# targets alike; off by default so the default run shows the machine as it is.
warmers=()
if [ "${WARM_CPUS:-0}" = 1 ]; then
  for ((i = 0; i < $(nproc); i++)); do
    chrt -i 0 sh -c 'while :; do :; done' &
    warmers+=($!)
    pids+=($!)
  done
  echo "== latency phases with warm CPUs ($(nproc) SCHED_IDLE spinners)"
  machine="$machine; latency with warm CPUs"
fi

# 2. latency at concurrency 1, interleaved rounds
declare -A p50s p99s lat_err
for ((r = 0; r < rounds; r++)); do
  n=${#active[@]}
  for ((k = 0; k < n; k++)); do
    t="${active[$(((k + r) % n))]}"
    out="$work/wrk-$t-c1-r$r.txt"
    run_wrk "$t" "$out" -t1 -c1 -d"$lat_duration"
    p50s[$t]+="$(to_us "$(awk '$1 == "50%" {print $2}' "$out")") "
    p99s[$t]+="$(to_us "$(awk '$1 == "99%" {print $2}' "$out")") "
    lat_err[$t]=$((${lat_err[$t]:-0} + $(errors_of "$out")))
  done
done
declare -A p50 p99
for t in "${active[@]}"; do
  p50[$t]="$(tr ' ' '\n' <<<"${p50s[$t]}" | grep . | median)"
  p99[$t]="$(tr ' ' '\n' <<<"${p99s[$t]}" | grep . | median)"
  echo "   $t c=1 p50 per round: ${p50s[$t]}us; p99: ${p99s[$t]}us"
done
# Added latency per interleaved round (target's round r minus direct's round r): its spread shows
# how much of a difference is the box drifting between rounds (reference §5: report min-max).
per_round_added() {  # "a1 a2 .." "d1 d2 .." -> "min median max" of a_i - d_i
  paste -d' ' <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) |
    awk 'NF == 2 {print $1 - $2}' | sort -n |
    awk '{a[NR] = $1} END { if (NR) printf "%+.0f %+.0f %+.0f", a[1], a[int((NR + 1) / 2)], a[NR] }'
}
declare -A added50_rng added99_rng
for t in "${active[@]}"; do
  [ "$t" = direct ] && continue
  [ "${status[direct]:-}" = ok ] || continue
  read -r lo mid hi <<<"$(per_round_added "${p50s[$t]}" "${p50s[direct]}")"
  added50_rng[$t]="$lo..$hi"
  read -r lo99 mid99 hi99 <<<"$(per_round_added "${p99s[$t]}" "${p99s[direct]}")"
  added99_rng[$t]="$lo99..$hi99"
  echo "   $t added c=1 per round: p50 median $mid (min..max $lo..$hi) us; p99 median $mid99 ($lo99..$hi99) us"
done

# 3. TTFB on streams
ttfb_args=()
for t in "${active[@]}"; do
  ttfb_args+=(--target "$t" "${url[$t]}/v1/chat/completions" --header "Authorization: Bearer sk-bench")
  IFS='|' read -r -a h <<<"${hdrs[$t]}"
  for x in "${h[@]}"; do ttfb_args+=(--header "$x"); done
done
declare -A ttfb50 ttfb99 ttfb_n ttfb_err ttfb_events ttfb_nodone alone50 alone99 alone_err alone_events
ttfb_pass() {  # name [gateway_ttfb args...]: every target, interleaved, into $work/name.tsv
  local name="$1"
  shift
  "${pin_client[@]}" "$ttfb_bin" --requests "$ttfb_requests" --rounds 10 --max-seconds "$ttfb_max_seconds" \
    "$@" "${ttfb_args[@]}" >"$work/$name.tsv" 2>"$work/$name.err" || true
  if [ -s "$work/$name.err" ]; then cat "$work/$name.err" >&2; fi
}
if [ ${#active[@]} -gt 0 ]; then
  ttfb_pass ttfb
  while IFS=$'\t' read -r name n err t50 t90 t99 tot50 tot99 emin emax nodone; do
    ttfb50[$name]="$t50" ttfb99[$name]="$t99" ttfb_n[$name]="$n" ttfb_err[$name]="$err"
    ttfb_nodone[$name]="$nodone"
    if [ "$emin" = "$emax" ]; then ttfb_events[$name]="$emin"; else ttfb_events[$name]="$emin-$emax"; fi
  done <"$work/ttfb.tsv"
  # 3b. The same with the first event alone: the upstream writes the role chunk at once and the
  # rest 1 ms later (gateway_upstream's first-event-alone mode), as a streaming model does, so a
  # gateway relays one event before its first write instead of the whole burst above.
  alone_body='{"model":"bench-model","messages":[{"role":"user","content":"first-event-alone"}],"stream":true}'
  ttfb_pass ttfb-alone --body "$alone_body"
  while IFS=$'\t' read -r name n err t50 t90 t99 tot50 tot99 emin emax nodone; do
    alone50[$name]="$t50" alone99[$name]="$t99" alone_err[$name]="$err"
    if [ "$emin" = "$emax" ]; then alone_events[$name]="$emin"; else alone_events[$name]="$emin-$emax"; fi
    [ "$nodone" = 0 ] || alone_events[$name]+="!"
  done <"$work/ttfb-alone.tsv"
fi

# ---- report ---------------------------------------------------------------------------------
fmt_k() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.0f", v }'; }
plus() {  # a b -> "+x" (a - b) or "-"
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%+.0f", a - b }'
}
echo
# The commit measured; "+dirty" when the tree differs from it (results.tsv aside), so a row never
# names code it did not run.
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] &&
  ! git -C "$root" diff --quiet HEAD -- . ':(exclude)bench/gateway/results.tsv' 2>/dev/null; then
  commit="$commit+dirty"
fi
echo "== results ($(date -u +%FT%TZ), commit $commit)"
printf '%-9s %10s %8s %8s | %10s %8s %8s | %9s %7s %9s %7s | %9s %7s %9s %6s | %9s %9s %6s\n' \
  target "req/s" "x direct" "CPU/req" "iso req/s" "x direct" "CPU/req" "c1 p50us" added \
  "c1 p99us" added "TTFB p50" added "TTFB p99" events "RSS load" "RSS peak" errors
declare -A errs
for t in "${targets[@]}"; do
  if [ "${status[$t]:-}" != ok ]; then
    printf '%-9s %s\n' "$t" "${status[$t]:-not run}"
    continue
  fi
  ratio="$(awk -v a="${rps[$t]}" -v b="${rps[direct]:-}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')"
  iso_rps="-" iso_ratio="-" iso_cpu="-"
  if [ -n "$iso" ]; then
    iso_rps="$(fmt_k "${rps[$iso:$t]}")" iso_cpu="${cpu_us[$iso:$t]}us"
    iso_ratio="$(awk -v a="${rps[$iso:$t]}" -v b="${rps[$iso:direct]:-}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')"
  fi
  errs[$t]=$((${tp_err[$t]} + ${lat_err[$t]:-0} + ${ttfb_err[$t]:-0} + ${alone_err[$t]:-0}))
  printf '%-9s %10s %8s %8s | %10s %8s %8s | %9s %7s %9s %7s | %9s %7s %9s %6s | %8sM %8sM %6s\n' \
    "$t" "$(fmt_k "${rps[$t]}")" "$ratio" "${cpu_us[$t]}us" "$iso_rps" "$iso_ratio" "$iso_cpu" \
    "$(fmt_k "${p50[$t]}")" "$(plus "${p50[$t]}" "${p50[direct]:-}")" \
    "$(fmt_k "${p99[$t]}")" "$(plus "${p99[$t]}" "${p99[direct]:-}")" \
    "$(fmt_k "${ttfb50[$t]:-}")" "$(plus "${ttfb50[$t]:-}" "${ttfb50[direct]:-}")" \
    "$(fmt_k "${ttfb99[$t]:-}")" "${ttfb_events[$t]:-}${ttfb_nodone[$t]:+$([ "${ttfb_nodone[$t]}" != 0 ] && echo "!")}" \
    "$(awk -v k="${rss_load[$t]}" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$(awk -v k="${rss_hwm[$t]}" 'BEGIN { printf "%.1f", k / 1024 }')" "${errs[$t]}"
done
echo "(req/s: wrk -t2 -c$conns, median of $tp_rounds interleaved rounds of $duration, non-stream, every process on every CPU; iso: the same"
echo " with the gateway on CPU ${GATEWAY_CPUS:-0} and upstream + wrk on CPU ${CLIENT_CPUS:-1} (reference §5 isolation); errors: all phases;"
echo " c1: wrk -t1 -c1, median of $rounds interleaved rounds of $lat_duration, unpinned;"
echo " TTFB: first SSE data event, up to $ttfb_requests sequential streams per target (at most ${ttfb_max_seconds}s), interleaved,"
echo "   the upstream writing the whole stream at once;"
echo " events: data events per stream (the upstream sends 7), '!' = some streams lacked [DONE];"
echo " RSS: process tree, max VmRSS sampled during the c=$conns runs, and VmHWM; CPU/req: the target's utime+stime per request at c=$conns)"

if [ ${#alone50[@]} -gt 0 ]; then
  echo
  echo "== TTFB with the first event alone (role chunk at once, the rest 1 ms later)"
  for t in "${targets[@]}"; do
    [ -n "${alone50[$t]:-}" ] || continue
    printf '   %-9s p50 %7s us  added %6s   p99 %7s us   events %s\n' "$t" "$(fmt_k "${alone50[$t]}")" \
      "$(plus "${alone50[$t]}" "${alone50[direct]:-}")" "$(fmt_k "${alone99[$t]}")" "${alone_events[$t]}"
  done
fi

# Ratios and targets (issue 6).
if [ "${status[ours]:-}" = ok ] && [ "${status[direct]:-}" = ok ]; then
  best_peer="" best_rps=0
  for t in portkey litellm; do
    if [ "${status[$t]:-}" = ok ] && awk -v a="${rps[$t]}" -v b="$best_rps" 'BEGIN { exit !(a > b) }'; then
      best_peer="$t" best_rps="${rps[$t]}"
    fi
  done
  check() {  # label value op limit unit
    local verdict
    verdict="$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
      if (v == "" || v == "-") { print "n/a"; exit }
      ok = (op == ">=") ? (v >= l) : (v <= l); print ok ? "PASS" : "MISS" }')"
    printf '   %-44s %10s %s %s %-4s %s\n' "$1" "$2" "$3" "$4" "$5" "$verdict"
  }
  echo
  echo "== targets (issue 6)"
  # Both throughput settings are checked: isolated is reference §5's protocol, shared is this box
  # as it is (where nginx, doing no gateway work, reaches about half of direct).
  ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b <= 0) print "-"; else printf "%.3f", a / b }'; }
  if [ -n "$iso" ]; then
    check "throughput, ours / direct, isolated (§5)" "$(ratio_of "${rps[$iso:ours]}" "${rps[$iso:direct]}")" ">=" 0.5 ""
  fi
  check "throughput, ours / direct, shared CPUs" "$(ratio_of "${rps[ours]}" "${rps[direct]}")" ">=" 0.5 ""
  if [ -n "$best_peer" ]; then
    check "throughput, ours / faster peer ($best_peer)" "$(awk -v a="${rps[ours]}" -v b="$best_rps" 'BEGIN { printf "%.1f", a / b }')" ">=" 10 "x"
  fi
  check "added latency c=1 p50 (us)" "$(plus "${p50[ours]}" "${p50[direct]}" | tr -d +)" "<=" 50 "us (rounds ${added50_rng[ours]:-})"
  check "added latency c=1 p99 (us)" "$(plus "${p99[ours]}" "${p99[direct]}" | tr -d +)" "<=" 200 "us (rounds ${added99_rng[ours]:-})"
  check "added TTFB on streams, p50 (us)" "$(plus "${ttfb50[ours]:-}" "${ttfb50[direct]:-}" | tr -d +)" "<=" 100 us
  check "  the same, first event alone (us)" "$(plus "${alone50[ours]:-}" "${alone50[direct]:-}" | tr -d +)" "<=" 100 us
  check "RSS under load (MB, VmHWM)" "$(awk -v k="${rss_hwm[ours]}" 'BEGIN { printf "%.1f", k / 1024 }')" "<=" 50 MB
  if [ "${status[nginx]:-}" = ok ]; then
    printf '   %-44s %10s   (reference: nginx proxies without gateway work)\n' \
      "throughput, ours / nginx" "$(awk -v a="${rps[ours]}" -v b="${rps[nginx]}" 'BEGIN { printf "%.3f", a / b }')"
    printf '   %-44s %10s\n' "throughput, nginx / direct, shared CPUs" "$(ratio_of "${rps[nginx]}" "${rps[direct]}")"
    if [ -n "$iso" ]; then
      printf '   %-44s %10s\n' "throughput, nginx / direct, isolated" \
        "$(ratio_of "${rps[$iso:nginx]}" "${rps[$iso:direct]}")"
    fi
  fi
  check "upstream headroom: direct / ours req/s" "$(awk -v a="${rps[direct]}" -v b="${rps[ours]}" 'BEGIN { printf "%.1f", a / b }')" ">=" 1 "x"
fi

for w in "${warmers[@]}"; do kill "$w" 2>/dev/null || true; done

# ---- record ---------------------------------------------------------------------------------
[ -f "$results" ] || printf 'date\tcommit\ttarget\treq_per_s\terrors\tc1_p50_us\tc1_p99_us\tttfb_p50_us\tttfb_p99_us\tstream_events\trss_load_kb\trss_hwm_kb\tcpu_us_per_req\tconnections\tloadavg\tmachine\treq_per_s_isolated\tcpu_us_per_req_isolated\tttfb_alone_p50_us\tttfb_alone_p99_us\n' >"$results"
for t in "${active[@]}"; do
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" \
    "$commit" "$t" "${rps[$t]}" "${errs[$t]}" \
    "${p50[$t]}" "${p99[$t]}" "${ttfb50[$t]:-}" "${ttfb99[$t]:-}" "${ttfb_events[$t]:-}" \
    "${rss_load[$t]}" "${rss_hwm[$t]}" "${cpu_us[$t]}" "$conns" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$machine" "${iso:+${rps[$iso:$t]}}" "${iso:+${cpu_us[$iso:$t]}}" "${alone50[$t]:-}" "${alone99[$t]:-}" >>"$results"
done
echo "recorded in $results"
