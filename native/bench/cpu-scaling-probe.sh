#!/usr/bin/env bash
# Why does our CPU conv scale to only about 4.3x on 8 threads of the GPU host (s33's cpu-halves probe: C64 56x56
# 3x3 simd-flat 1.72 ms on one thread, 385-417 us on 8), when PoCL's build of the same register tiles runs the
# layer in about 330 us on 8 cores? Five measurements, alternated ROUNDS times:
#   - halves (not in the default PARTS; native/bench/cpu-halves-probe.sh runs it): 8 threads on cores 0-7 against
#     8-15 and one thread on core 1 against core 9, with the machine's topology (lscpu) in OUT/topology.txt;
#   - scaling: 1, 2, 4 and 8 threads on cores 8.. (the engine's pocl-split CPU cores);
#   - crowd: one thread on core 9 alone, then while seven copies of the same single-thread bench run on cores 8
#     and 10-15. No pool is involved, so if the crowded thread slows as much as the 8-thread pool does, the
#     machine (AVX-512 clocks, shared L3 or memory bandwidth) sets the limit, not our pool or partition;
#   - chunking: 8 threads under each of the pool's rules (COEXEC_POOL_CHUNKING: balanced is conv's own);
#   - passes: each ParallelFor pass of every conv implementation timed per thread on 1 and 8 threads
#     (coexec-cpu-bench --only conv-passes: wake-up, time inside chunks, end spread), which says where the
#     8-thread run loses; `python3 native/bench/conv_passes_table.py OUT_DIR` tabulates it.
# Needs g++; no Node, no GPU. usage: native/bench/cpu-scaling-probe.sh OUT_DIR
#   (ROUNDS=2, MIN_MS=150, PARTS="scaling crowd chunking passes": any of these and halves; for passes, PASS_THREADS="1 8"
#   threads from core CORE0=8 on: on the 2-core VM, PARTS=passes PASS_THREADS="1 2" CORE0=0)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out="$1"
cd "$(dirname "$0")/../.."
mkdir -p "$out"
bin="${BUILD_DIR:-native/build-bench}/coexec-cpu-bench"
native/bench/build-cpu-bench.sh "$bin" >/dev/null
min_ms="${MIN_MS:-150}"
core0="${CORE0:-8}"
bench() {  # NAME THREADS CORES [ENV=VALUE]: one conv bench into OUT/NAME.json and .txt
  local name="$1" threads="$2" cores="$3"; shift 3
  echo "[cpu-scaling] $name (threads $threads, cores $cores${1:+, $1})"
  env "$@" "$bin" --threads "$threads" --cores "$cores" --only conv --min-ms "$min_ms" --json "$out/$name.json" > "$out/$name.txt"
}
crowd_pids=()
start_crowd() {
  for c in 8 10 11 12 13 14 15; do
    ( while :; do "$bin" --threads 1 --cores "$c" --only conv --min-ms "$min_ms" > /dev/null 2>&1 || exit 0; done ) &
    crowd_pids+=("$!")
  done
  sleep 1
}
stop_crowd() {
  for p in "${crowd_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "coexec-cpu-bench --threads 1 --cores" 2>/dev/null || true
  wait 2>/dev/null || true
  crowd_pids=()
}
trap stop_crowd EXIT
parts=" ${PARTS:-scaling crowd chunking passes} "
part() { [[ "$parts" == *" $1 "* ]]; }
if part halves; then
  { lscpu -e; echo; lscpu | grep -Ei 'model name|mhz|numa|thread|socket|cache'; } > "$out/topology.txt" 2>&1 || true
fi
for round in $(seq 1 "${ROUNDS:-2}"); do
  if part halves; then
    for set in "t8-low:0,1,2,3,4,5,6,7" "t8-high:8,9,10,11,12,13,14,15" "t1-core1:1" "t1-core9:9"; do
      cores="${set#*:}"
      bench "${set%%:*}-r$round" "$(tr ',' '\n' <<< "$cores" | grep -c .)" "$cores"
    done
  fi
  if part scaling; then for t in 1 2 4 8; do bench "scale-t$t-r$round" "$t" "$(seq -s, 8 $((7 + t)))"; done; fi
  if part crowd; then
    bench "solo-core9-r$round" 1 9
    start_crowd
    bench "crowd-core9-r$round" 1 9
    stop_crowd
  fi
  if part chunking; then
    for rule in balanced affine static dynamic; do bench "chunk-$rule-t8-r$round" 8 8,9,10,11,12,13,14,15 "COEXEC_POOL_CHUNKING=$rule"; done
  fi
  if part passes; then
    for t in ${PASS_THREADS:-1 8}; do
      echo "[cpu-scaling] passes-t$t-r$round"
      "$bin" --threads "$t" --cores "$(seq -s, "$core0" $((core0 + t - 1)))" --only conv-passes --min-ms "$min_ms" \
        --json "$out/passes-t$t-r$round.json" > "$out/passes-t$t-r$round.txt"
    done
  fi
done
