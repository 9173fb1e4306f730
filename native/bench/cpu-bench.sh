#!/usr/bin/env bash
# Builds coexec-cpu-bench with the engine's flags and runs it a few times (the machine is shared and noisy,
# so compare the runs rather than trust one). Extra arguments go to the benchmark, e.g. --threads 1,2.
# Usage: native/bench/cpu-bench.sh [runs=3] [bench options...]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
[ $# -gt 0 ] && shift
OUT=${BUILD_DIR:-native/build-bench}
native/bench/build-cpu-bench.sh "$OUT/coexec-cpu-bench" >/dev/null
for run in $(seq 1 "$RUNS"); do
  echo "== run $run of $RUNS"
  "$OUT/coexec-cpu-bench" "$@"
done
