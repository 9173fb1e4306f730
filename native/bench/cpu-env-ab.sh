#!/usr/bin/env bash
# A/B of one environment setting of the CPU side (a measurement hook such as COEXEC_POOL_CHUNK_SIZE=1 or
# COEXEC_POOL_CHUNKING=static): coexec-cpu-bench --only $ONLY without it ("old") and with it ("new"), one build,
# run alternately ROUNDS times, so a disturbance of the shared host hits both alike. Writes OUT/{old,new}-N.json/.txt
# for `python3 native/bench/cpu-slices-compare.py OUT`.
# Environment: ONLY (conv-slices, the default; conv, slices, ...), CORES (default 8-15, pocl-split's CPU side),
# MIN_MS per measurement (default 60), LAYERS (conv-slices: a substring of the reference layer ids).
# usage: native/bench/cpu-env-ab.sh OUT NAME=VALUE [ROUNDS=3]
set -euo pipefail
[ $# -ge 2 ] && [[ "$2" == *=* ]] || { echo "usage: $0 OUT NAME=VALUE [ROUNDS=3]" >&2; exit 2; }
setting="$2"; rounds="${3:-3}"
mkdir -p "$1" && out="$(cd "$1" && pwd)"
bin="$("$(dirname "$0")/build-cpu-bench.sh" "${BUILD_DIR:-$(dirname "$0")/../build-bench}/coexec-cpu-bench")"
cores="${CORES:-8,9,10,11,12,13,14,15}"
layers=()
[ -n "${LAYERS:-}" ] && layers=(--layers "$LAYERS")
for i in $(seq "$rounds"); do
  for v in old new; do
    extra=()
    [ "$v" = new ] && extra=("$setting")
    env "${extra[@]}" "$bin" --only "${ONLY:-conv-slices}" --threads "$(tr ',' '\n' <<< "$cores" | grep -c .)" \
      --cores "$cores" --min-ms "${MIN_MS:-60}" --repeat 2 "${layers[@]}" --json "$out/$v-$i.json" > "$out/$v-$i.txt"
  done
done
echo "cpu-env-ab ($setting): $rounds rounds in $out"
