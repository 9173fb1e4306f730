#!/usr/bin/env bash
# Compiles the TypeScript and runs the uvu tests; turns uvu's summary into a SUITE line.
set -uo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json || { echo "SUITE ts: 0 passed, 1 failed (tsc failed)"; exit 1; }
out="$(mktemp)"
npx uvu dist/test '\.test\.js$' 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
total=$(sed -nE 's/^ *Total: *([0-9]+).*/\1/p' "$out" | tail -1)
passed=$(sed -nE 's/^ *Passed: *([0-9]+).*/\1/p' "$out" | tail -1)
total=${total:-0}; passed=${passed:-0}
echo "SUITE ts: $passed passed, $((total - passed)) failed"
rm -f "$out"
exit "$rc"
