#!/usr/bin/env bash
# Per-side kernel benchmark (issue 13): builds the engine (native/build) and runs native/bench/kernel_bench.py,
# which writes OUT_DIR/kernel-bench.json (best GPU variant per reference shape over its knobs, GPU-only, against
# the engine's best CPU implementation, CPU-only, and their ratio) and OUT_DIR/raw/. Needs cmake, a C++17
# compiler, python3 (stdlib) and an OpenCL driver; no Node.
#
# usage: native/bench/kernel-bench.sh OUT_DIR [kernel_bench.py options...]
#   2-core VM, PoCL on both cores (worker i pinned to core i) vs 2 CPU threads:
#     native/bench/kernel-bench.sh /tmp/kb --device-type cpu --threads 2 --pocl-affinity
#   GPU host, PoCL pinned to cores 0-7 vs 8 engine threads on cores 8-15 (pocl-split):
#     native/bench/kernel-bench.sh OUT --device-type cpu --platform Portable --gpu-taskset 0-7 --cpu-cores 8-15 --threads 8
#   the same with PoCL's 8 workers pinned to cores 0-7 and the engine's host threads on core 8 (as in co-execution):
#     ... --gpu-taskset 8 --pocl-workers 8 --pocl-affinity --cpu-cores 8-15 --threads 8 --gpu-sync svm-fine,finish
#   GPU host, NVIDIA (GPU-only) vs the CPU side on cores 1-15:
#     native/bench/kernel-bench.sh OUT --device-type gpu --platform NVIDIA --cpu-cores 1-15 --threads 15
#   GPU host, NVIDIA only, the short screen against PyTorch CUDA (about 3 minutes):
#     native/bench/kernel-bench.sh OUT --device-type gpu --platform NVIDIA --no-cpu --screen-file native/bench/nvidia-screen.json \
#       --torch-reference results/benchmarks/gpu-host-20261203-round1/torch-reference.json --finalists 3 --rounds 3
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] || { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
out="$1"; shift
scripts/build-engine.sh native/build >/dev/null
exec python3 native/bench/kernel_bench.py --engine native/build/coexec-engine --out "$out" "$@"
