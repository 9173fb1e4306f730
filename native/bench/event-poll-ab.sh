#!/usr/bin/env bash
# event-poll's status-query interval, A/B on the GPU host (issue 12: the CPU slice inside co-execution <= 1.1x
# its CPU-only time). Round 18 found the slice slower under event-poll than under finish on some layers (C512
# 7x7 3x3 1.56x vs 1.06x): the driver thread queries the event's status as fast as the driver answers, and that
# may disturb the slice's cores. Each run is native/bench/datapath_bench.py on the datapath layers (finish and
# event-poll, driver core 0, CPU slice on cores 1-15, 2 rounds), with COEXEC_EVENT_POLL_US = 0 (as shipped) and
# each of EP_POLL_US in turn, EP_REPEATS times, so the settings alternate in time.
# usage: native/bench/event-poll-ab.sh OUT_DIR   (OCL_ICD_VENDORS naming NVIDIA's ICD; a built native/build)
set -uo pipefail
cd "$(dirname "$0")/../.."
out="$1"; mkdir -p "$out"
for rep in $(seq 1 "${EP_REPEATS:-2}"); do
  for us in 0 ${EP_POLL_US:-2 10}; do
    echo "[event-poll-ab] rep $rep, COEXEC_EVENT_POLL_US=$us"
    COEXEC_EVENT_POLL_US=$us python3 native/bench/datapath_bench.py --engine native/build/coexec-engine \
      --out "$out/poll$us-rep$rep" --cores 1-15 --driver-core 0 --device-type gpu --syncs finish,event-poll \
      --rounds 2 --copy-mb "" --label "GPU host, NVIDIA OpenCL, COEXEC_EVENT_POLL_US=$us, repeat $rep" | sed -n 3,6p
  done
done
