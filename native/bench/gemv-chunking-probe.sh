#!/usr/bin/env bash
# The pool's chunking on the M = 1 linear layers (thread_pool.cpp, COEXEC_POOL_CHUNKING): coexec-cpu-bench
# --only gemv (each layer whole and as CPU slices of 0.3-0.9 along N, simd beside OpenBLAS) on THREADS
# threads on cores FIRST_CORE..FIRST_CORE+THREADS-1 (FIRST_CORE=1 unless set), alternating the rules (RULES,
# default the current one, affine, against balanced, the one before) ROUNDS times, so they meet the machine's
# state alike. Writes OUT/gemv-<rule>-<round>.{json,txt}.
# usage: native/bench/gemv-chunking-probe.sh OUT [THREADS=15] [ROUNDS=3]   (RULES="affine balanced")
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT [THREADS] [ROUNDS]" >&2; exit 2; }
out="$1"; threads="${2:-15}"; rounds="${3:-3}"
cd "$(dirname "$0")/../.."; mkdir -p "$out"
bin="$(mktemp -d)/cpu-bench"
g++ -O3 -Wall -Wextra -Werror -std=c++17 -pthread -Inative/src native/src/cpu/*.cpp native/bench/cpu-bench.cpp -ldl -o "$bin"
first="${FIRST_CORE:-1}"
cores=$(seq -s, "$first" $((first + threads - 1)))
for round in $(seq 1 "$rounds"); do
  for rule in ${RULES:-affine balanced}; do
    COEXEC_POOL_CHUNKING="$rule" "$bin" --only gemv --threads "$threads" --cores "$cores" --min-ms "${MIN_MS:-30}" \
      --json "$out/gemv-$rule-$round.json" > "$out/gemv-$rule-$round.txt"
  done
done
echo "gemv-chunking-probe: $out"
