#!/usr/bin/env bash
# Why does one layer split over 8 threads of the GPU host run each thread about 1.6x slower than one thread alone
# (s34's pass probe: C64 56x56 1x1 simd-im2col, 236 us on one thread, 396 us of busy time summed over 8), while
# seven single-thread copies beside a thread do not slow it (s33's crowd probe)? One layer and implementation
# (LAYER, IMPL), its ParallelFor pass timed per thread (coexec-cpu-bench --only conv-passes), on:
#   - 1, 2, 4 and 8 threads on neighbouring cores from 8 on, and 2, 4 and 8 spread over the 16 cores;
#   - 8 threads under the pool's static rule;
#   - 8 threads of one process, each computing the whole layer on buffers of its own (private-t8: --only conv-private);
#   - one thread on each of cores 8-15 alone (SOLO_CORES), which the 8-thread busy sum compares with;
#   - one thread on core 9 while seven single-thread copies of the same probe run on cores 8 and 10-15 (crowd), and
#     two single-thread copies side by side on cores 8 and 9 (pair);
#   - with `perf stat` where the machine has it: cycles and instructions per thread-second (clock and IPC).
# Each setting's text lands in OUT/NAME-rN.txt; `python3 native/bench/thread-probe-table.py OUT` tabulates them. Needs g++; no Node, no GPU.
# usage: native/bench/cpu-thread-probe.sh OUT_DIR   (LAYER="64x56x56 F=64 1x1", IMPL=im2col, MIN_MS=100, ROUNDS=2)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
mkdir -p "$1" && out="$(cd "$1" && pwd)"
bin="$("$(dirname "$0")/build-cpu-bench.sh" "${BUILD_DIR:-$(dirname "$0")/../build-bench}/coexec-cpu-bench")"
layer="${LAYER:-64x56x56 F=64 1x1}" impl="${IMPL:-im2col}" min_ms="${MIN_MS:-100}"
probe() {  # THREADS CORES [ENV=VALUE...]: one pass probe on stdout
  local threads="$1" cores="$2"; shift 2
  env "$@" "$bin" --threads "$threads" --cores "$cores" --only conv-passes --layers "$layer" --impls "$impl" --min-ms "$min_ms"
}
have_perf=0
perf stat -e cycles true > /dev/null 2>&1 && have_perf=1
for round in $(seq 1 "${ROUNDS:-2}"); do
  for set in "t1:8" "t2-near:8,9" "t2-far:8,15" "t4-near:8,9,10,11" "t4-spread:0,4,8,12" "t8-high:8,9,10,11,12,13,14,15" \
             "t8-even:0,2,4,6,8,10,12,14"; do
    cores="${set#*:}"
    probe "$(tr ',' '\n' <<< "$cores" | grep -c .)" "$cores" > "$out/${set%%:*}-r$round.txt"
  done
  probe 8 8,9,10,11,12,13,14,15 COEXEC_POOL_CHUNKING=static > "$out/t8-static-r$round.txt"
  # Eight threads of one process, each on a whole layer of its own buffers (s37): whether threads that share no data
  # slow each other as the 8 threads of one pass do.
  "$bin" --threads 8 --cores 8,9,10,11,12,13,14,15 --only conv-private --layers "$layer" --impls "$impl" \
    --min-ms "$min_ms" > "$out/private-t8-r$round.txt"
  # Each core of the 8-thread set alone, so that set's busy sum compares with its own cores (s35: core 9 took 1.3x
  # core 8's time in the same minute).
  for c in ${SOLO_CORES:-8 9 10 11 12 13 14 15}; do probe 1 "$c" > "$out/solo-core$c-r$round.txt"; done
  # Seven single-thread copies in a loop beside one measured on core 9.
  pids=()
  for c in 8 10 11 12 13 14 15; do
    ( while :; do probe 1 "$c" > /dev/null 2>&1 || exit 0; done ) &
    pids+=("$!")
  done
  sleep 0.5
  probe 1 9 > "$out/crowd-core9-r$round.txt"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "coexec-cpu-bench --threads 1 --cores" 2>/dev/null || true
  wait 2>/dev/null || true
  probe 1 8 > "$out/pair-core8-r$round.txt" & a=$!
  probe 1 9 > "$out/pair-core9-r$round.txt" & b=$!
  wait "$a" "$b"
done
if [ "$have_perf" = 1 ]; then
  for set in "t1:8" "t8-high:8,9,10,11,12,13,14,15"; do
    cores="${set#*:}"
    perf stat -e task-clock,cycles,instructions -o "$out/perf-${set%%:*}.txt" \
      "$bin" --threads "$(tr ',' '\n' <<< "$cores" | grep -c .)" --cores "$cores" --only conv-passes --layers "$layer" \
      --impls "$impl" --min-ms "$((min_ms * 3))" > /dev/null
  done
else
  echo "perf stat: not available here" > "$out/perf-none.txt"
fi
echo "cpu-thread-probe: $out"
