#!/usr/bin/env bash
# A/B of the CPU conv slices (coexec-cpu-bench --only conv-slices): cpu-slices-ab.sh with OLD a file that
# replaces native/src/cpu/conv2d.cpp (e.g. `git show REV:native/src/cpu/conv2d.cpp`) or an older tree.
# Environment as cpu-slices-ab.sh (CORES, MIN_MS, LAYERS, BENCH_ARGS).
# usage: native/bench/conv-slices-ab.sh OUT OLD_CONV2D_CPP [ROUNDS=3]
ONLY=conv-slices REPLACES=conv2d.cpp exec bash "$(dirname "$0")/cpu-slices-ab.sh" "$@"
