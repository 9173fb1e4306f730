#!/usr/bin/env bash
# Is the CPU slice's ~1.09x in co-execution (cpu_slice_probe.py: the same with a one-row GPU share, so not the
# GPU's work) caused by activity on the driver's core? Runs the probe three ways, in turn, REPEATS (2) times:
#   plain     as cpu_slice_probe.py (driver core 0, slice on cores 1-15);
#   busy0     the same while a busy loop (nice 19) runs pinned to core 0 for the whole run, so the CPU-alone jobs
#             also see core 0 busy: a ratio that falls to ~1 there says core 0's activity slows the slice;
#   driver8   driver core 8, slice on cores 0-7,9-15 (does the excess follow the driver thread's core?).
# usage: native/bench/cpu-slice-probe-busy.sh OUT_DIR  (OCL_ICD_VENDORS naming NVIDIA's ICD; a built native/build)
set -uo pipefail
cd "$(dirname "$0")/../.."
out="$1"; mkdir -p "$out"
probe() { python3 native/bench/cpu_slice_probe.py --device-type gpu --rounds "${ROUNDS:-5}" --syncs finish "$@" | tail -4; }
for rep in $(seq 1 "${REPEATS:-2}"); do
  echo "[plain $rep]"; probe --out "$out/plain-$rep" --cores 1-15 --driver-core 0
  taskset -c 0 nice -n 19 sh -c 'while :; do :; done' & busy=$!
  echo "[busy0 $rep]"; probe --out "$out/busy0-$rep" --cores 1-15 --driver-core 0
  kill "$busy"; wait "$busy" 2>/dev/null
  echo "[driver8 $rep]"; probe --out "$out/driver8-$rep" --cores 0-7,9-15 --driver-core 8
done
