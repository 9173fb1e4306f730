#!/usr/bin/env bash
# Why the engine's CPU-only stem and 1x1 conv took 1.4-1.9x what coexec-cpu-bench measured for the same call
# on the same host (s31: stem simd-direct 387 us in `coexec-engine bench` vs 270 us in the bench, 15 threads
# on cores 1-15; OpenBLAS im2col 1148 vs 650 us on 2026-12-03), while the 3x3 layers agreed within 5%.
# Interleaves, ROUNDS times: coexec-cpu-bench --only conv (15 threads, cores 1-15), then the engine's CPU-only
# jobs of the stem and the 1x1 under four setups: as the yardsticks run them (NVIDIA opened, driver core 0),
# no OpenCL device flags, NVIDIA without a driver core, and NVIDIA with 30 warm-up executions.
# Writes OUT/cpu-only-gap.tgz (one file: a device call returns at most 8).
# usage: native/bench/cpu-only-gap-probe.sh ENGINE OUT
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ENGINE OUT" >&2; exit 2; }
engine="$1"; out="$2"; cd "$(dirname "$0")/../.."; mkdir -p "$out"
work="$(mktemp -d)"
cores=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
bin="$(mktemp -d)/cpu-bench"
native/bench/build-cpu-bench.sh "$bin" >/dev/null
measure=(--warmup 3 --min-samples 20 --min-time-ms 100 --max-samples 300 --max-time-ms 800)
declare -A setups=(
  [yardstick]="--device-type gpu --platform NVIDIA --cores $cores --driver-core 0"
  [nodevice]="--cores $cores"
  [nodriver]="--device-type gpu --platform NVIDIA --cores $cores"
  [warm30]="--device-type gpu --platform NVIDIA --cores $cores --driver-core 0 --warmup 30"
)
layers=("stem:--C 3 --H 224 --W 224 --F 64 --R 7 --S 7 --stride 2 --pad 3" "c1x1:--C 256 --H 56 --W 56 --F 64 --R 1 --S 1 --stride 1 --pad 0"
        "c3x3:--C 64 --H 56 --W 56 --F 64 --R 3 --S 3 --stride 1 --pad 1")
for ((r = 1; r <= ${ROUNDS:-3}; r++)); do
  "$bin" --only conv --threads 15 --cores "$cores" --min-ms 20 --json "$work/bench-r$r.json" > "$work/bench-r$r.txt" 2>&1
  for setup in yardstick nodevice nodriver warm30; do
    for l in "${layers[@]}"; do
      name="${l%%:*}"; read -r -a shape <<< "${l#*:}"
      for impl in simd-direct openblas-im2col; do
        # shellcheck disable=SC2086
        line="$("$engine" bench --layer conv2d --batch 1 "${shape[@]}" --ratio 1 --threads 15 --cpu "$impl" "${measure[@]}" \
          ${setups[$setup]} 2>>"$work/engine.err" | tail -n 1)"
        printf '{"round":%d,"setup":"%s","layer":"%s","impl":"%s","result":%s}\n' "$r" "$setup" "$name" "$impl" \
          "${line:-null}" >> "$work/engine.jsonl"
      done
    done
  done
done
tar czf "$out/cpu-only-gap.tgz" -C "$work" .
echo "cpu-only-gap-probe: $out/cpu-only-gap.tgz"
