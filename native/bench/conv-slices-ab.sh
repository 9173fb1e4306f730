#!/usr/bin/env bash
# A/B of the CPU conv slices (coexec-cpu-bench --only conv-slices) between this tree and the same tree with
# native/src/cpu/conv2d.cpp replaced by OLD_CONV2D_CPP (e.g. `git show REV:native/src/cpu/conv2d.cpp`), both
# built here and run alternately ROUNDS times, so a disturbance of the shared host hits both alike.
# On the GPU host: 15 threads on cores 1-15 (the engine's CPU side there). Writes OUT/{new,old}-N.json/.txt.
# Environment: CORES (default 1-15; the thread count is their number), MIN_MS per measurement (default 40),
# LAYERS (a substring of the reference layer ids in cpu-bench.cpp's ConvSlices; default all).
# usage: native/bench/conv-slices-ab.sh OUT OLD_CONV2D_CPP [ROUNDS=3]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT OLD_CONV2D_CPP [ROUNDS=3]" >&2; exit 2; }
out="$1"; old="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; rounds="${3:-3}"
cd "$(dirname "$0")/../.."
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r native/src "$work/old-src" && cp "$old" "$work/old-src/cpu/conv2d.cpp"
build() { g++ -O3 -Wall -Wextra -Werror -std=c++17 -pthread -I"$1" "$1"/cpu/*.cpp native/bench/cpu-bench.cpp -ldl -o "$2"; }
build native/src "$work/new" & pid=$!
build "$work/old-src" "$work/old"
wait "$pid"
cores="${CORES:-1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}"
threads=$(tr ',' '\n' <<< "$cores" | grep -c .)
layers=()
[ -n "${LAYERS:-}" ] && layers=(--layers "$LAYERS")
for i in $(seq "$rounds"); do
  for v in old new; do
    "$work/$v" --only conv-slices --threads "$threads" --cores "$cores" --min-ms "${MIN_MS:-40}" --repeat 2 \
      "${layers[@]}" --json "$out/$v-$i.json" > "$out/$v-$i.txt"
  done
done
echo "conv-slices-ab: $rounds rounds in $out"
