#!/usr/bin/env bash
# Simulated Spaces (`spacefactory sim`) against real Gradio and the official clients:
# for gradio 6.x (tests/.venv) and 5.x (tests/.venv-gradio5), sim_space_fidelity.py compares the
# simulator's /config and /gradio_api/info with the real twin apps' and predicts with gradio_client;
# then @gradio/client 2.7.0 (tests/gradio_js) predicts from a simulated Space. A missing client
# or venv is a failure, not a skip.
set -euo pipefail
BIN=${1:?usage: run_sim_space_fidelity.sh SPACEFACTORY_BINARY}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
WORK=$(mktemp -d)
SIM_PID=""
cleanup() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for venv in "$ROOT/tests/.venv" "$ROOT/tests/.venv-gradio5"; do
  [ -x "$venv/bin/python" ] || { echo "FAIL: no $venv (run scripts/install-deps.sh)"; exit 1; }
done
[ -d "$ROOT/tests/gradio_js/node_modules/@gradio/client" ] ||
  { echo "FAIL: @gradio/client missing in tests/gradio_js (run scripts/install-deps.sh)"; exit 1; }
command -v node >/dev/null || { echo "FAIL: node missing"; exit 1; }

"$BIN" sim --build-delay 300 --startup-delay 100 --no-python-check >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
for _ in $(seq 100); do grep -q '^SIM_OTHER_TOKEN=' "$WORK/sim.out" 2>/dev/null && break; sleep 0.1; done
ENDPOINT=$(sed -n 's/^HF_ENDPOINT=//p' "$WORK/sim.out")
TOKEN=$(sed -n 's/^HF_TOKEN=//p' "$WORK/sim.out")
[ -n "$ENDPOINT" ] || { echo "FAIL: sim did not start"; cat "$WORK/sim.err"; exit 1; }

status=0
"$ROOT/tests/.venv/bin/python" "$ROOT/tests/e2e/sim_space_fidelity.py" "$ENDPOINT" "$TOKEN" "$WORK/g6.json" || status=1
"$ROOT/tests/.venv-gradio5/bin/python" "$ROOT/tests/e2e/sim_space_fidelity.py" "$ENDPOINT" "$TOKEN" "$WORK/g5.json" || status=1
for g in g6 g5; do
  if [ -f "$WORK/$g.json" ]; then
    TEXT=$("$ROOT/tests/.venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["text"])' "$WORK/$g.json")
    IMAGE=$("$ROOT/tests/.venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["image"])' "$WORK/$g.json")
    node "$ROOT/tests/e2e/gradio_js_client.mjs" "$TEXT" "$IMAGE" "$TOKEN" || status=1
  else
    echo "FAIL: no simulated Space hosts ($g) for @gradio/client"; status=1
  fi
done
exit $status
