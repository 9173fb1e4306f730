#!/usr/bin/env bash
# Two engine builds against each other on one bench job: each round runs the job once with each binary, in a
# fresh process (what a job in a plan gets), the binaries alternating and their order swapped every other
# round, so they meet the machine's state alike.
# Prints one line per run: LABEL A|B ROUND median_us passed|FAILED (the engine's double-reference check).
# usage: native/bench/engine-ab.sh ENGINE_A ENGINE_B ROUNDS LABEL -- BENCH_FLAGS...
#   e.g. build the old commit with `git stash; scripts/build-engine.sh /tmp/build-a; git stash pop`, then
#   native/bench/engine-ab.sh /tmp/build-a/coexec-engine native/build/coexec-engine 6 m1 -- --layer linear --M 1 ...
set -euo pipefail
[ $# -ge 5 ] && [ "$5" = "--" ] || { echo "usage: $0 ENGINE_A ENGINE_B ROUNDS LABEL -- BENCH_FLAGS..." >&2; exit 2; }
a="$1"; b="$2"; rounds="$3"; label="$4"; shift 5
for round in $(seq 1 "$rounds"); do
  order="A B"; [ $((round % 2)) -eq 0 ] && order="B A"  # ABBA: neither binary always runs second
  for side in $order; do
    bin="$a"; [ "$side" = B ] && bin="$b"
    printf '%s %s %s ' "$label" "$side" "$round"
    "$bin" bench "$@" --min-samples 100 --max-samples 200 --min-time-ms 100 2>/dev/null | python3 "$(dirname "$0")/bench_median.py" || true
  done
done
