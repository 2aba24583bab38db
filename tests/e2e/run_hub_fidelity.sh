#!/usr/bin/env bash
# Runs the real Hub clients (huggingface_hub from tests/.venv, @huggingface/hub from
# tests/node_modules) against a freshly started simulator on a free loopback port.
# Usage: tests/e2e/run_hub_fidelity.sh <spacefactory binary | standalone sim binary>
# A binary named spacefactory* is run as `BIN sim …`; anything else as `BIN …` with the same flags.
# Exit 0 when both scripts pass; 1 otherwise (also when a client is not installed: a missing client
# must fail the suite, not hide in a skip).
set -uo pipefail
BIN=${1:?usage: run_hub_fidelity.sh <spacefactory-or-sim-binary>}
HERE=$(cd "$(dirname "$0")" && pwd)
TESTS=$(dirname "$HERE")
PY=${SF_TEST_PYTHON:-$TESTS/.venv/bin/python}
NODE=${SF_TEST_NODE:-node}
[ -x "$PY" ] || { echo "FAIL: $PY missing (run scripts/install-deps.sh)"; exit 1; }
[ -d "$TESTS/node_modules/@huggingface/hub" ] || { echo "FAIL: tests/node_modules missing (run scripts/install-deps.sh)"; exit 1; }

OUT=$(mktemp -d)
trap 'kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; rm -rf "$OUT"' EXIT
args=(--port 0 --data "$TESTS/data/sim")
case "$(basename "$BIN")" in spacefactory*) args=(sim "${args[@]}") ;; esac
"$BIN" "${args[@]}" >"$OUT/sim.out" 2>"$OUT/sim.err" &
SIM_PID=$!
for _ in $(seq 1 100); do
  grep -q '^SIM_OTHER_TOKEN=' "$OUT/sim.out" 2>/dev/null && break
  kill -0 "$SIM_PID" 2>/dev/null || break
  sleep 0.1
done
HF_ENDPOINT=$(sed -n 's/^HF_ENDPOINT=//p' "$OUT/sim.out")
HF_TOKEN=$(sed -n 's/^HF_TOKEN=//p' "$OUT/sim.out")
if [ -z "$HF_ENDPOINT" ] || [ -z "$HF_TOKEN" ]; then
  echo "the simulator did not start:"; cat "$OUT/sim.out" "$OUT/sim.err"; exit 1
fi
export HF_ENDPOINT HF_TOKEN
echo "simulator at $HF_ENDPOINT"
rc=0
echo "== huggingface_hub (Python)"
timeout 300 "$PY" "$HERE/hf_hub_python.py" || rc=1
echo "== @huggingface/hub (Node)"
(cd "$TESTS" && timeout 300 "$NODE" "$HERE/hf_hub_js.mjs") || rc=1
exit $rc
