#!/usr/bin/env bash
# The official `openai` npm client (tests/gateway, pinned) against our gateway: starts
# `spacefactory sim` (its /_providers/ upstreams, with faults per provider), then
# `spacefactory serve --config` in front of them, and runs tests/e2e/gateway_openai.mjs.
# Usage: tests/e2e/gateway_openai.sh <spacefactory binary>
# Exit 0 when every check passes; 1 otherwise — also when node or the pinned client is missing
# (a missing client must fail the suite, not hide in a skip).
set -uo pipefail
BIN=${1:?usage: gateway_openai.sh <spacefactory binary>}
HERE=$(cd "$(dirname "$0")" && pwd)
TESTS=$(dirname "$HERE")
NODE=${SF_TEST_NODE:-node}
command -v "$NODE" >/dev/null || { echo "FAIL: node not found (run scripts/install-deps.sh)"; exit 1; }
[ -f "$TESTS/gateway/node_modules/openai/package.json" ] ||
  { echo "FAIL: tests/gateway/node_modules/openai missing (run scripts/install-deps.sh)"; exit 1; }

WORK=$(mktemp -d)
SIM_PID=""
GW_PID=""
cleanup() {
  [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" sim --port 0 --seed 7 --no-python-check >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
for _ in $(seq 1 100); do
  grep -q '^SIM_OTHER_TOKEN=' "$WORK/sim.out" 2>/dev/null && break
  kill -0 "$SIM_PID" 2>/dev/null || break
  sleep 0.1
done
SIM=$(sed -n 's/^HF_ENDPOINT=//p' "$WORK/sim.out")
[ -n "$SIM" ] || { echo "FAIL: the simulator did not start"; cat "$WORK/sim.out" "$WORK/sim.err"; exit 1; }

# Provider keys, assembled at run time (no source line looks like a secret).
p="sk-"
KEY_L="${p}e2e-limited-0001" KEY_S="${p}e2e-sim-0002" KEY_R="${p}e2e-ratelimited-0003"
KEY_X="${p}e2e-refused-0004" KEY_F1="${p}e2e-flaky-0005" KEY_F2="${p}e2e-flaky-0006"
KEY_C="${p}e2e-cutter-0007" KEY_RS="${p}e2e-resetting-0008"
export KEY_L KEY_S KEY_R KEY_X KEY_F1 KEY_F2 KEY_C KEY_RS
curl -sf -X POST "$SIM/_providers/_faults" \
  --data 'ratelimited=429:30;refused=echo-key;flaky=503;cutter=cut:2;resetting=reset' >/dev/null ||
  { echo "FAIL: could not set the provider faults"; exit 1; }

cat >"$WORK/agentic-config.yaml" <<EOF
limited:
  url: $SIM/_providers/limited/v1
  api_key: \${KEY_L}
  models: [instant]
sim:
  url: $SIM/_providers/sim/v1/chat/completions
  api_key: \${KEY_S}
  fallback: true
ratelimited:
  url: $SIM/_providers/ratelimited/v1
  api_key: \${KEY_R}
  always_use_this_key: true
refused:
  url: $SIM/_providers/refused/v1
  api_key: \${KEY_X}
  always_use_this_key: true
flaky:
  url: $SIM/_providers/flaky/v1
  api_key:
    - \${KEY_F1}
    - \${KEY_F2}
  always_use_this_key: true
cutter:
  url: $SIM/_providers/cutter/v1
  api_key: \${KEY_C}
  always_use_this_key: true
resetting:
  url: $SIM/_providers/resetting/v1
  api_key: \${KEY_RS}
router:
  initial_backoff_ms: 10
EOF

env -u HF_TOKEN -u OPENROUTER_KEY -u OPENROUTER_API_KEY -u AGENTIC_CONFIG -u SPACE_FACTORY_API_KEY \
  SPACE_FACTORY_STORE="$WORK/store" "$BIN" serve --config "$WORK/agentic-config.yaml" --port 0 \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
GW_PID=$!
GW=""
for _ in $(seq 1 100); do
  GW=$(sed -n 's/^serving on \(http:[^ ]*\).*/\1/p' "$WORK/serve.out")
  [ -n "$GW" ] && break
  kill -0 "$GW_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$GW" ] || { echo "FAIL: spacefactory serve did not start"; cat "$WORK/serve.out" "$WORK/serve.err"; exit 1; }
echo "simulator at $SIM, gateway at $GW"

rc=0
(cd "$TESTS/gateway" && GW_URL="$GW" SIM_URL="$SIM" \
  SECRETS="$KEY_L,$KEY_S,$KEY_R,$KEY_X,$KEY_F1,$KEY_F2,$KEY_C,$KEY_RS" \
  timeout 180 "$NODE" "$HERE/gateway_openai.mjs") || rc=1
# No key in the gateway's log or its usage ledger either.
for k in "$KEY_L" "$KEY_S" "$KEY_R" "$KEY_X" "$KEY_F1" "$KEY_F2" "$KEY_C" "$KEY_RS"; do
  if grep -rqF -- "$k" "$WORK/serve.out" "$WORK/serve.err" "$WORK/store" 2>/dev/null; then
    echo "FAIL: a provider key appears in the gateway's output or store"
    rc=1
    break
  fi
done
[ $rc -eq 0 ] || { echo "--- serve stderr"; tail -20 "$WORK/serve.err"; }
exit $rc
