#!/usr/bin/env bash
# Which environment variable limits PoCL's worker threads on this machine, and where do the workers run?
# (a check, not a benchmark). Writes OUT/pocl-workers.txt:
#   1. the CPU OpenCL device's compute units from `coexec-engine info` under no limit, POCL_CPU_MAX_CU_NUM=7
#      and POCL_MAX_PTHREAD_COUNT=7 (PoCL 5.0 on the GPU host reported 16 with POCL_CPU_MAX_CU_NUM=7);
#   2. the pocl-split arrangement running: a GPU-only PoCL job (linear M=128 N=3072 K=768) under the
#      platform's environment, with every thread of the engine listed with the core it last ran on and the
#      cores its mask allows (ps -L, taskset).
# usage: native/bench/pocl_workers_check.sh OUT [ENGINE]
set -uo pipefail
out="$1"; engine="${2:-native/build/coexec-engine}"
mkdir -p "$out"; f="$out/pocl-workers.txt"; : > "$f"
units() { # env assignments...: the compute units of each CPU OpenCL device
  env "$@" "$engine" info 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin)
print(" ".join("%s=%s" % (v["name"][:24].replace(" ", "_"), v["computeUnits"]) for p in d["opencl"]["platforms"] for v in p["devices"] if v["type"] == "cpu"))'
}
for v in "COEXEC_NONE=1" "POCL_CPU_MAX_CU_NUM=7" "POCL_MAX_PTHREAD_COUNT=7"; do
  echo "compute units with $v: $(units "$v")" >> "$f"
done
# The arrangement (default pocl-split's); CHECK_* override it for a smaller machine.
device_cores="${CHECK_DEVICE_CORES:-0,1,2,3,4,5,6}"
workers=$(( $(tr -cd , <<< "$device_cores" | wc -c) + 1 ))
plan="$out/plan.json"
cat > "$plan" <<JSON
{"schemaVersion": 1, "planId": "pocl-workers", "device": {"deviceType": "cpu", "platformContains": "Portable"},
 "cpuAffinity": [${CHECK_CPU_CORES:-8,9,10,11,12,13,14,15}], "driverCore": ${CHECK_DRIVER_CORE:-7}, "deviceCores": [$device_cores],
 "jobs": [{"id": "gpu-only", "kind": "layer", "layer": {"type": "linear", "M": 128, "N": 3072, "K": 768},
   "strategy": {"splitRatio": 0, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "linear_reg_v16x2_m8",
                "gpuWorkGroup": 1, "sync": "svm-fine"},
   "warmup": 5, "minSamples": 100000, "maxSamples": 100000, "minTimeMs": 0, "maxTimeMs": ${CHECK_RUN_MS:-4000}}]}
JSON
POCL_MAX_PTHREAD_COUNT=$workers POCL_CPU_MAX_CU_NUM=$workers POCL_AFFINITY=1 "$engine" run "$plan" --out "$out/run.jsonl" 2>"$out/run.err" &
pid=$!
sleep 2.5
{
  echo "threads of the engine during a GPU-only PoCL job (pocl-split environment): tid psr comm | allowed cores"
  ps -L -o tid=,psr=,comm= -p "$pid" | while read -r tid psr comm; do
    echo "$tid $psr $comm | $(taskset -pc "$tid" 2>/dev/null | sed 's/.*: //')"
  done
} >> "$f"
wait "$pid"; echo "engine exit $?: $(grep -o '"status":"[a-z]*"\|"medianNs":[0-9]*\|"reason":"[^"]*"' "$out/run.jsonl" | tr '\n' ' ')" >> "$f"
cat "$f"
