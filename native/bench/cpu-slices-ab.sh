#!/usr/bin/env bash
# A/B of the CPU linear slices (coexec-cpu-bench --only slices) between this tree and the same tree with
# native/src/cpu/linear.cpp replaced by OLD_LINEAR_CPP (e.g. `git show REV:native/src/cpu/linear.cpp`), both
# built here and run alternately ROUNDS times, so a disturbance of the shared host hits both alike.
# On the GPU host: 15 threads on cores 1-15 (the engine's CPU side there). Writes OUT/{new,old}-N.json/.txt.
# usage: native/bench/cpu-slices-ab.sh OUT OLD_LINEAR_CPP [ROUNDS=3]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT OLD_LINEAR_CPP [ROUNDS=3]" >&2; exit 2; }
out="$1"; old="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; rounds="${3:-3}"
cd "$(dirname "$0")/../.."
mkdir -p "$out"
work="$(mktemp -d)"
cp -r native/src "$work/old-src" && cp "$old" "$work/old-src/cpu/linear.cpp"
build() { g++ -O3 -Wall -Wextra -Werror -std=c++17 -pthread -I"$1" "$1"/cpu/*.cpp native/bench/cpu-bench.cpp -ldl -o "$2"; }
build native/src "$work/new" & build "$work/old-src" "$work/old" & wait
cores="${CORES:-1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}"
threads=$(tr ',' '\n' <<< "$cores" | grep -c .)
for i in $(seq "$rounds"); do
  for v in old new; do
    "$work/$v" --only slices --threads "$threads" --cores "$cores" --min-ms "${MIN_MS:-40}" --repeat 2 \
      --json "$out/$v-$i.json" > "$out/$v-$i.txt"
  done
done
rm -rf "$work"
echo "cpu-slices-ab: $rounds rounds in $out"
