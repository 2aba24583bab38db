#!/usr/bin/env bash
# bench/gateway/ab.sh: two (or more) builds of spacefactory side by side as gateways, interleaved.
#
#   bench/gateway/ab.sh NAME=path/to/spacefactory NAME=path/to/spacefactory ...
#
# Per round and build: a fresh upstream (build/release's gateway_upstream) and `spacefactory serve`
# with the bench config, a 1 s warm-up, then wrk -t2 -c50 for DURATION (3s) twice: every process
# free to run on every CPU ("shared"), then the gateway on CPU 0 and upstream + wrk on CPU 1
# ("isolated", reference §5). Prints req/s and the gateway's user and system CPU per request for
# each, and at the end the median req/s of every build and its ratio to the first build's.
# Rounds (ROUNDS, 4) alternate the builds, so a slow patch of a shared machine hits all alike.
# To compare two commits: build each (cmake --preset release -B build/x && cmake --build build/x
# --target spacefactory), copy the binaries somewhere, and pass them here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
upstream_bin="${UPSTREAM_BIN:-$root/build/release/bench/gateway/gateway_upstream}"
duration="${DURATION:-3s}"
rounds="${ROUNDS:-4}"
[ $# -ge 2 ] || { echo "usage: $0 NAME=binary NAME=binary ..." >&2; exit 2; }
[ -x "$upstream_bin" ] || { echo "ab.sh: missing $upstream_bin (build the release preset)" >&2; exit 2; }
for tool in wrk taskset awk; do
  command -v "$tool" >/dev/null || { echo "ab.sh: $tool not found" >&2; exit 2; }
done

work="$(mktemp -d /tmp/sf-bench-ab.XXXXXX)"
source "$here/procs.sh"
trap 'stop_all; rm -rf "$work"' EXIT

cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
measure() {  # gateway-pid url wrk-prefix... -> "req/s user_us sys_us"
  local gp="$1" url="$2"; shift 2
  local u1 s1 u2 s2 out n
  read -r u1 s1 < <(cpu_ticks "$gp")
  out="$("$@" wrk -t2 -c50 -d"$duration" -s "$here/chat.lua" "$url/v1/chat/completions")"
  read -r u2 s2 < <(cpu_ticks "$gp")
  n="$(awk '/requests in/ {print $1}' <<<"$out")"
  awk -v r="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" -v n="$n" -v u=$((u2 - u1)) \
    -v s=$((s2 - s1)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.0f %.1f %.1f", r, u * 1e6 / hz / n, s * 1e6 / hz / n }'
}

declare -A shared iso
names=()
for v in "$@"; do names+=("${v%%=*}"); done
for ((round = 1; round <= rounds; round++)); do
  for v in "$@"; do
    name="${v%%=*}" bin="$(readlink -f "${v#*=}")"
    "$upstream_bin" --port 0 --threads 2 >"$work/up.log" 2>&1 &
    up_pid=$!
    pids+=("$up_pid")
    up="$(printed "$work/up.log" 's/^listening on //p' 5)"
    printf 'providers:\n  upstream:\n    url: %s/v1\n    api_key: sk-bench\n    models: [bench-model]\n' \
      "$up" >"$work/agentic-config.yaml"
    rm -rf "$work/store" && mkdir -p "$work/store"
    (cd "$work" && exec env -u HF_TOKEN -u OPENROUTER_KEY -u OPENROUTER_API_KEY -u AGENTIC_CONFIG \
      SPACE_FACTORY_STORE="$work/store" "$bin" serve --config "$work/agentic-config.yaml" --port 0 \
      >"$work/gw.log" 2>&1) &
    gw_pid=$!
    pids+=("$gw_pid")
    gw="$(printed "$work/gw.log" 's/^serving on \(http:\/\/127.0.0.1:[0-9]*\).*/\1/p' 5)"
    wrk -t1 -c4 -d1s -s "$here/chat.lua" "$gw/v1/chat/completions" >/dev/null
    read -r r_s u_s s_s <<<"$(measure "$gw_pid" "$gw")"
    taskset -a -p -c "${GATEWAY_CPUS:-0}" "$gw_pid" >/dev/null
    taskset -a -p -c "${CLIENT_CPUS:-1}" "$up_pid" >/dev/null
    read -r r_i u_i s_i <<<"$(measure "$gw_pid" "$gw" taskset -c "${CLIENT_CPUS:-1}")"
    shared[$name]+="$r_s " iso[$name]+="$r_i "
    printf '%d %-10s shared %7s req/s  user %5s sys %5s us/req | isolated %7s req/s  user %5s sys %5s us/req\n' \
      "$round" "$name" "$r_s" "$u_s" "$s_s" "$r_i" "$u_i" "$s_i"
    stop_all
  done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END { print a[int((NR + 1) / 2)] }'; }
base="${names[0]}"
b_s="$(median <<<"${shared[$base]}")" b_i="$(median <<<"${iso[$base]}")"
echo "== medians over $rounds rounds (ratio to $base)"
for name in "${names[@]}"; do
  m_s="$(median <<<"${shared[$name]}")" m_i="$(median <<<"${iso[$name]}")"
  awk -v n="$name" -v s="$m_s" -v i="$m_i" -v bs="$b_s" -v bi="$b_i" \
    'BEGIN { printf "   %-10s shared %7d req/s (%.3f)   isolated %7d req/s (%.3f)\n", n, s, s / bs, i, i / bi }'
done
