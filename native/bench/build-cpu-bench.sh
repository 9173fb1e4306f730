#!/usr/bin/env bash
# Builds coexec-cpu-bench (native/bench/cpu-bench.cpp with the engine's CPU kernels, the engine's warning flags)
# at BIN (default: native/build-bench/coexec-cpu-bench) and prints BIN. Run from anywhere; the other CPU
# benchmark scripts call it so that every one of them times the same build.
# usage: bin=$(native/bench/build-cpu-bench.sh [BIN])
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/native/build-bench/coexec-cpu-bench}"
mkdir -p "$(dirname "$bin")"
# Several scripts of one device call each ask for the build: rebuild only when a source is newer than BIN.
if [ -x "$bin" ] && [ -z "$(find "$root/native/src" "$root/native/bench/cpu-bench.cpp" -newer "$bin" -type f | head -1)" ]; then
  echo "$bin"; exit 0
fi
g++ -O3 -Wall -Wextra -Werror -std=c++17 -pthread -I"$root/native/src" "$root"/native/src/cpu/*.cpp \
  "$root/native/bench/cpu-bench.cpp" -ldl -o "$bin"
echo "$bin"
