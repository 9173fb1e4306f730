#!/usr/bin/env bash
# Are the GPU host's two halves of cores equally fast for the CPU side? pocl-split puts PoCL on cores 0-7 and
# the engine's CPU side on cores 8-15, and s32's kernel bench found PoCL's build of our register tiles 1.18-1.36x
# faster there than our CPU kernels (results/benchmarks/pocl-split-kernels-20261206-s32/). This runs
# coexec-cpu-bench's conv layers (our implementations and OpenBLAS) on 8 threads on cores 0-7 and on cores 8-15,
# and on one thread on core 1 and on core 9, alternated ROUNDS times, and records the machine's topology
# (lscpu -e: node, socket, core of every CPU) beside them. Needs g++; no Node, no GPU.
# usage: native/bench/cpu-halves-probe.sh OUT_DIR     (ROUNDS=2, MIN_MS=150)
# It is cpu-scaling-probe.sh's part halves (the same build, files and names).
PARTS=halves exec bash "$(dirname "$0")/cpu-scaling-probe.sh" "$@"
