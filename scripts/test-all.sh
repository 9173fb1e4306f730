#!/usr/bin/env bash
# Runs every test suite (native engine tests, TypeScript uvu tests) and prints one line
# "N passed, N failed" summed over all of them. Exits non-zero when anything failed or nothing ran.
#
# Each suite prints a line "SUITE <name>: <passed> passed, <failed> failed"; this script sums those lines.
set -uo pipefail
cd "$(dirname "$0")/.."
log_dir="$(mktemp -d)"
status=0

run_suite() { # name, command...
  local name="$1"; shift
  echo "== suite $name"
  "$@" 2>&1 | tee "$log_dir/$name.log"
  local rc=${PIPESTATUS[0]}
  if ! grep -qE '^SUITE [^:]+: [0-9]+ passed, [0-9]+ failed' "$log_dir/$name.log"; then
    echo "SUITE $name: 0 passed, 1 failed (suite printed no summary, exit $rc)" | tee -a "$log_dir/$name.log"
  fi
  [ "$rc" -eq 0 ] || status=1
}

run_suite native bash native/tests/run.sh
run_suite ts bash scripts/test-ts.sh

passed=0; failed=0
while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done < <(
  cat "$log_dir"/*.log | sed -nE 's/^SUITE [^:]+: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p')
echo "$passed passed, $failed failed"
rm -rf "$log_dir"
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
exit "$status"
