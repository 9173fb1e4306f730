#!/usr/bin/env bash
# Are the GPU host's two halves of cores equally fast for the CPU side? pocl-split puts PoCL on cores 0-7 and
# the engine's CPU side on cores 8-15, and s32's kernel bench found PoCL's build of our register tiles 1.18-1.36x
# faster there than our CPU kernels (results/benchmarks/pocl-split-kernels-20261206-s32/). This runs
# coexec-cpu-bench's conv layers (our implementations and OpenBLAS) on 8 threads on cores 0-7 and on cores 8-15,
# and on one thread on core 1 and on core 9, alternated ROUNDS times, and records the machine's topology
# (lscpu -e: node, socket, core of every CPU) beside them. Needs g++; no Node, no GPU.
# usage: native/bench/cpu-halves-probe.sh OUT_DIR     (ROUNDS=2, MIN_MS=150)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out="$1"
cd "$(dirname "$0")/../.."
mkdir -p "$out"
bin="${BUILD_DIR:-native/build-bench}"
native/bench/build-cpu-bench.sh "$bin/coexec-cpu-bench" >/dev/null
{ lscpu -e; echo; lscpu | grep -Ei 'model name|mhz|numa|thread|socket|cache'; } > "$out/topology.txt" 2>&1 || true
for round in $(seq 1 "${ROUNDS:-2}"); do
  for set in "t8-low:0,1,2,3,4,5,6,7" "t8-high:8,9,10,11,12,13,14,15" "t1-core1:1" "t1-core9:9"; do
    name="${set%%:*}"; cores="${set#*:}"; threads=$(tr ',' '\n' <<< "$cores" | grep -c .)
    echo "[cpu-halves] round $round $name (cores $cores)"
    "$bin/coexec-cpu-bench" --threads "$threads" --cores "$cores" --only conv --min-ms "${MIN_MS:-150}" \
      --json "$out/$name-r$round.json" > "$out/$name-r$round.txt"
  done
done
