#!/usr/bin/env bash
# Where a thin CPU linear slice's time goes on the GPU host: coexec-cpu-bench --only slices (slices of 48 and
# 96 columns besides shares of N and M) on 1, 8 and 15 threads (cores 1..), and on 15 threads with the pool's
# static chunking. Writes OUT/slices-<threads>t[-static].{json,txt}.
# usage: native/bench/cpu-slices-probe.sh OUT
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out="$1"; cd "$(dirname "$0")/../.."; mkdir -p "$out"
bin="$(mktemp -d)/cpu-bench"
g++ -O3 -Wall -Wextra -Werror -std=c++17 -pthread -Inative/src native/src/cpu/*.cpp native/bench/cpu-bench.cpp -ldl -o "$bin"
for t in 15 8 1; do
  cores=$(seq -s, 1 "$t")
  "$bin" --only slices --threads "$t" --cores "$cores" --min-ms "${MIN_MS:-30}" --json "$out/slices-${t}t.json" > "$out/slices-${t}t.txt"
done
COEXEC_POOL_CHUNKING=static "$bin" --only slices --threads 15 --cores "$(seq -s, 1 15)" --min-ms "${MIN_MS:-30}" \
  --json "$out/slices-15t-static.json" > "$out/slices-15t-static.txt"
echo "cpu-slices-probe: $out"
