#!/usr/bin/env bash
# Generates a Space for every labelled card whose task has a template (offline, --dry-run) and checks
# each with tests/e2e/check_generated_space.py (PyYAML, packaging, ast from tests/.venv).
set -euo pipefail
BIN=${1:?usage: run_generated_spaces_check.sh <spacefactory>}
SHARED=${2:?usage: ... <shared dir>}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=$HERE/../.venv/bin/python
[ -x "$PY" ] || { echo "FAIL: $PY missing (run scripts/install-deps.sh)"; exit 1; }
STORE=$(mktemp -d)
trap 'rm -rf "$STORE"' EXIT
dirs=()
# One labelled card per template (see tests/unit/spacegen for the same set with forced tasks).
for card in 000 012 018 051 054 060 072 075 081 090 096 102 105 111 126; do
  out=$(HF_ENDPOINT=http://127.0.0.1:9 "$BIN" build "$SHARED/modelcards/$card.md" --model-id "e2e/card-$card" --dry-run --json \
        --store "$STORE" 2>/dev/null) || true
  status=$(printf '%s' "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null || echo none)
  if [ "$status" = generated_only ]; then
    id=$(printf '%s' "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
    dirs+=("$STORE/runs/$id/generated")
  else
    echo "note: $card.md ended $status (no Space to check)"
  fi
done
demo=$("$BIN" demo --json --store "$STORE")
dirs+=("$STORE/runs/$(printf '%s' "$demo" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["build"]["run_id"])')/generated")
"$PY" "$HERE/check_generated_space.py" "${dirs[@]}"
