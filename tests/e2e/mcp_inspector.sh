#!/usr/bin/env bash
# Real-client check: the MCP Inspector CLI (@modelcontextprotocol/inspector, pinned in
# tests/mcp_clients) lists and calls our tools over stdio (`spacefactory mcp`) and Streamable HTTP
# (`spacefactory serve`, /mcp), with a freshly started `spacefactory sim` as the Hub.
# Usage: tests/e2e/mcp_inspector.sh <spacefactory binary> <tests/data dir>
# Prints one line per check and `N passed, M failed`; exit 1 when anything failed — also when the
# Inspector or Node is missing (a missing client fails the suite, it never hides in a skip).
set -uo pipefail
BIN=${1:?usage: mcp_inspector.sh <spacefactory> <testdata-dir>}
DATA=${2:?usage: mcp_inspector.sh <spacefactory> <testdata-dir>}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
DATA=$(cd "$DATA" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
TESTS=$(dirname "$HERE")
NODE=${SF_TEST_NODE:-node}
L=$TESTS/mcp_clients/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js
CARD=$DATA/modelcards/090.md  # one of the smallest labelled cards
command -v "$NODE" >/dev/null || { echo "FAIL: node not found"; echo "0 passed, 1 failed"; exit 1; }
[ -f "$L" ] || { echo "FAIL: $L missing (run scripts/install-deps.sh)"; echo "0 passed, 1 failed"; exit 1; }

OUT=$(mktemp -d)
SIM_PID="" SERVE_PID=""
cleanup() {
  for p in $SERVE_PID $SIM_PID; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$OUT"
}
trap cleanup EXIT
export HOME=$OUT/home  # the Inspector keeps state in ~/.mcp-inspector
mkdir -p "$HOME"
export SPACE_FACTORY_STORE=$OUT/store
unset HF_ENDPOINT HF_TOKEN

# wait_line FILE REGEX PID: waits (≤ 30 s) until FILE has a line matching REGEX.
wait_line() {
  for _ in $(seq 1 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

"$BIN" sim --port 0 --data "$DATA/sim" >"$OUT/sim.out" 2>"$OUT/sim.err" &
SIM_PID=$!
wait_line "$OUT/sim.out" '^SIM_OTHER_TOKEN=' "$SIM_PID" ||
  { echo "FAIL: the simulator did not start"; cat "$OUT/sim.out" "$OUT/sim.err"; echo "0 passed, 1 failed"; exit 1; }
HF_ENDPOINT=$(sed -n 's/^HF_ENDPOINT=//p' "$OUT/sim.out")
CARD_ARGS=$("$NODE" -e 'console.log(JSON.stringify({card_text: require("fs").readFileSync(process.argv[1], "utf8")}))' "$CARD")
HF_TOKEN=$(sed -n 's/^HF_TOKEN=//p' "$OUT/sim.out")

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && head -c 1500 "$2" && echo; }

# inspect LABEL EXPECTED_EXIT JS_CHECK INSPECTOR_ARGS...: runs the Inspector CLI (--format json)
# against the server in TARGET (array; EXTRA holds transport/env flags), requires its exit code,
# then evaluates JS_CHECK with `r` = its parsed stdout (the `{"result":…}` line; `{}` if none).
TARGET=() EXTRA=()
inspect() {
  local label=$1 want=$2 check=$3; shift 3
  local rc=0
  timeout 60 "$NODE" "$L" --cli "$@" "${EXTRA[@]}" --format json -- "${TARGET[@]}" \
    >"$OUT/r.json" 2>"$OUT/r.err" || rc=$?
  if [ "$rc" != "$want" ]; then
    bad "$label: exit $rc, expected $want" "$OUT/r.err"
    head -c 800 "$OUT/r.json"
    return
  fi
  if "$NODE" -e '
      const fs = require("fs");
      const text = fs.readFileSync(process.argv[1], "utf8").trim();
      const r = text ? JSON.parse(text) : {};
      const ok = eval(process.argv[2]);
      process.exit(ok ? 0 : 1);' "$OUT/r.json" "$check" 2>>"$OUT/r.err"; then
    ok "$label"
  else
    bad "$label: unexpected answer" "$OUT/r.json"
  fi
}

TOOLS_OK='["hf_whoami","hf_search_models","hf_search_datasets","hf_search_spaces","hf_model_details",
  "hf_dataset_details","hf_space_details","hf_create_space","factory_analyze_card","factory_build",
  "factory_validate","factory_run_status"].every((n) => r.result.tools.some((t) => t.name === n)) &&
  r.result.tools.every((t) => t.description && t.inputSchema && t.inputSchema.type === "object") &&
  !r.result.tools.some((t) => t.name.startsWith("test_"))'
TEXT='r.result.content.map((c) => c.text || "").join("\n")'

run_checks() {  # TRANSPORT (uses TARGET and EXTRA)
  local t=$1
  inspect "$t: tools/list (12 required tools, descriptions, schemas, no fixtures)" 0 "$TOOLS_OK" \
    --method tools/list
  inspect "$t: tools/call hf_whoami (simulated Hub)" 0 "!r.result.isError && ($TEXT).includes(\"sim-user\")" \
    --method tools/call --tool-name hf_whoami
  inspect "$t: tools/call factory_analyze_card sim-org/tiny-gpt2" 0 "!r.result.isError && ($TEXT).includes(\"task:\")" \
    --method tools/call --tool-name factory_analyze_card --tool-arg model_id=sim-org/tiny-gpt2
  inspect "$t: tools/call factory_analyze_card card_text (JSON args)" 0 \
    "!r.result.isError && ($TEXT).includes(\"task:\") && typeof r.result.structuredContent === \"object\"" \
    --method tools/call --tool-name factory_analyze_card --tool-args-json "$CARD_ARGS"
  inspect "$t: factory_analyze_card with a bad argument is an isError result (exit 5)" 5 "true" \
    --method tools/call --tool-name factory_analyze_card --tool-arg model_id=not/a/model/id
  inspect "$t: tools/call of an unknown tool exits 5" 5 "true" \
    --method tools/call --tool-name no_such_tool
  inspect "$t: prompts/list" 0 "r.result.prompts.length >= 2" --method prompts/list
}

echo "== stdio: $BIN mcp"
TARGET=("$BIN" mcp)
EXTRA=(-e "HF_ENDPOINT=$HF_ENDPOINT" -e "HF_TOKEN=$HF_TOKEN" -e "SPACE_FACTORY_STORE=$SPACE_FACTORY_STORE")
run_checks stdio

HF_ENDPOINT=$HF_ENDPOINT HF_TOKEN=$HF_TOKEN "$BIN" serve --port 0 >"$OUT/serve.out" 2>"$OUT/serve.err" &
SERVE_PID=$!
if wait_line "$OUT/serve.out" '^serving on http://' "$SERVE_PID"; then
  URL="$(sed -n 's/^serving on //p' "$OUT/serve.out")/mcp"
  echo "== Streamable HTTP: $URL"
  TARGET=("$URL") EXTRA=(--transport http)
  run_checks http
else
  bad "serve did not start" "$OUT/serve.err"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
