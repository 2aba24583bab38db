#!/usr/bin/env bash
# Runs tests/e2e/mcp_python_clients.py (the official Python MCP SDK against our server) with the
# pinned venv tests/.venv. Usage: tests/e2e/mcp_python.sh <spacefactory binary> <tests/data dir>
# A missing venv or SDK fails (exit 1); it is never a skip.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${SF_TEST_PYTHON:-$(dirname "$HERE")/.venv/bin/python}
[ -x "$PY" ] || { echo "FAIL: $PY missing (run scripts/install-deps.sh)"; echo "0 passed, 1 failed"; exit 1; }
exec timeout 600 "$PY" "$HERE/mcp_python_clients.py" "$@"
