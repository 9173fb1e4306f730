#!/usr/bin/env bash
# Benchmarks (not tests), on the device the engine picks (PoCL here). Builds the engine first.
#   native/bench/sync-bench.sh [--N 1024 --K 1024 --ratio 0.5 --threads 1 --samples 100 --json out.json]
#       round trip per sync mechanism, layer-level overhead per mechanism and the GPU variants (sync_bench.py)
#   native/bench/sync-bench.sh datapath --out DIR [--cores 1-15 --driver-core 0 --label TEXT ...]
#       the engine data path (issue 12): fixed co-execution overhead per mechanism over the sync-overhead
#       layers, CPU slice inside co-execution vs CPU-only, host <-> device copies 1..32 MB
#       (datapath_bench.py; writes DIR/datapath.json). On the GPU host (NVIDIA OpenCL):
#         OCL_ICD_VENDORS=/path/to/folder-with-nvidia.icd native/bench/sync-bench.sh datapath \
#           --out results/benchmarks/gpu-host-datapath --cores 1-15 --driver-core 0 --device-type gpu
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build-engine.sh native/build >/dev/null
if [ "${1:-}" = datapath ]; then
  shift
  exec python3 native/bench/datapath_bench.py --engine native/build/coexec-engine "$@"
fi
python3 native/bench/sync_bench.py --engine native/build/coexec-engine "$@"
