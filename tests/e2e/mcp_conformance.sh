#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in tests/mcp, run
# with the Node 22 that tests/mcp pins too) against `spacefactory serve --conformance --port 0`.
# Passes only when every scored scenario of the 2025-11-25 set passes ("Total: 40 passed, 0 failed").
# Usage: mcp_conformance.sh path/to/spacefactory
set -euo pipefail
BIN=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N22=$ROOT/tests/mcp/node_modules/.bin/node
SUITE=$ROOT/tests/mcp/node_modules/@modelcontextprotocol/conformance/dist/index.js
if [ ! -x "$N22" ] || [ ! -f "$SUITE" ]; then
  echo "mcp_conformance: the pinned suite or Node 22 is missing in tests/mcp (run scripts/install-deps.sh)"
  echo "0 passed, 1 failed"
  exit 1
fi
TMP=$(mktemp -d)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
SPACE_FACTORY_STORE=$TMP/store "$BIN" serve --conformance --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
PID=$!
for _ in $(seq 100); do
  grep -q '^serving on ' "$TMP/serve.out" 2>/dev/null && break
  sleep 0.1
done
URL=$(sed -n 's/^serving on //p' "$TMP/serve.out")
if [ -z "$URL" ]; then
  echo "mcp_conformance: serve did not start"; cat "$TMP/serve.err"
  echo "0 passed, 1 failed"
  exit 1
fi
rc=0
(cd "$TMP" && timeout 300 "$N22" "$SUITE" server --url "$URL/mcp" -o "$TMP/results") >"$TMP/suite.log" 2>&1 || rc=$?
sed -n '/=== SUMMARY ===/,$p' "$TMP/suite.log"
if [ $rc -ne 0 ] || ! grep -q '^Total: 40 passed, 0 failed' "$TMP/suite.log"; then
  echo "mcp_conformance: FAILED (exit $rc); failing checks:"
  grep -rl '"FAILURE"' "$TMP/results" 2>/dev/null | head -20 || true
  grep -E 'FAILURE' "$TMP/suite.log" | head -40 || true
  exit 1
fi
