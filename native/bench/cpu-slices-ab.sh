#!/usr/bin/env bash
# A/B of the CPU slices (coexec-cpu-bench --only $ONLY: "slices", linear, the default; "conv-slices", conv)
# between this tree and an older engine, both built here and run alternately ROUNDS times, so a disturbance
# of the shared host hits both alike.
# OLD is either a file that replaces native/src/cpu/$REPLACES (default linear.cpp; e.g. `git show
# REV:native/src/cpu/linear.cpp`) or the root of an older tree holding native/src and native/bench (`git
# archive REV native | tar x -C DIR`), built with its own bench, for changes that reach past one file.
# On the GPU host: 15 threads on cores 1-15 (the engine's CPU side there). Writes OUT/{new,old}-N.json/.txt.
# Environment: CORES (default 1-15; the thread count is their number), MIN_MS per measurement (default 40),
# LAYERS (conv-slices only: a substring of the reference layer ids in cpu-bench.cpp's ConvSlices),
# BENCH_ARGS (more coexec-cpu-bench options for both builds, e.g. --cpu-time with one core in CORES: on a
# shared machine the thread's CPU time leaves out the time it was descheduled).
# usage: native/bench/cpu-slices-ab.sh OUT OLD [ROUNDS=3]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT OLD [ROUNDS=3]" >&2; exit 2; }
out="$1"; old="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; rounds="${3:-3}"
only="${ONLY:-slices}"
cd "$(dirname "$0")/../.."
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -d "$old" ]; then
  cp -r "$old/native/src" "$work/old-src" && old_bench="$old/native/bench/cpu-bench.cpp"
else
  cp -r native/src "$work/old-src" && cp "$old" "$work/old-src/cpu/${REPLACES:-linear.cpp}" &&
    old_bench=native/bench/cpu-bench.cpp
fi
build() { g++ -O3 -Wall -Wextra -Werror -std=c++17 -pthread -I"$1" "$1"/cpu/*.cpp "$3" -ldl -o "$2"; }
build native/src "$work/new" native/bench/cpu-bench.cpp & pid=$!
build "$work/old-src" "$work/old" "$old_bench"
wait "$pid"
cores="${CORES:-1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}"
threads=$(tr ',' '\n' <<< "$cores" | grep -c .)
layers=()
[ -n "${LAYERS:-}" ] && layers=(--layers "$LAYERS")
read -r -a extra <<< "${BENCH_ARGS:-}"
for i in $(seq "$rounds"); do
  for v in old new; do
    "$work/$v" --only "$only" --threads "$threads" --cores "$cores" --min-ms "${MIN_MS:-40}" --repeat 2 \
      "${layers[@]}" "${extra[@]}" --json "$out/$v-$i.json" > "$out/$v-$i.txt"
  done
done
echo "$only-ab: $rounds rounds in $out"
