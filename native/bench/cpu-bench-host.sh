#!/usr/bin/env bash
# The CPU-side comparison for the GPU host (16 cores, AVX-512, PyTorch CPU installed; no Node needed):
# builds coexec-cpu-bench with g++ and runs, on the reference layers of issue 13,
#   - our implementations and OpenBLAS with 15 threads pinned to cores 1-15 (the engine's CPU side there),
#   - the same on one thread pinned to core 1,
#   - PyTorch CPU with 16 threads (native/bench/cpu_torch.py), unless python3 cannot import torch.
# Writes OUT_DIR/cpu-bench-15t.json, OUT_DIR/cpu-bench-1t.json, OUT_DIR/cpu-torch.json and the text logs
# (about 3 minutes).
# usage: native/bench/cpu-bench-host.sh OUT_DIR [REPEAT=5]
# Environment (for other machines): CORES (default 1,...,15; its length is the thread count), MIN_MS (200).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [REPEAT=5]" >&2; exit 2; }
out="$1"; repeat="${2:-5}"
cd "$(dirname "$0")/../.."
mkdir -p "$out"
bin="${BUILD_DIR:-native/build-bench}"
native/bench/build-cpu-bench.sh "$bin/coexec-cpu-bench" >/dev/null
cores="${CORES:-1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}"
threads=$(tr ',' '\n' <<< "$cores" | grep -c .)
min_ms="${MIN_MS:-200}"
"$bin/coexec-cpu-bench" --threads "$threads" --cores "$cores" --min-ms "$min_ms" --repeat "$repeat" \
  --json "$out/cpu-bench-${threads}t.json" | tee "$out/cpu-bench-${threads}t.txt"
"$bin/coexec-cpu-bench" --threads 1 --cores "${cores%%,*}" --min-ms "$min_ms" --repeat "$repeat" \
  --json "$out/cpu-bench-1t.json" | tee "$out/cpu-bench-1t.txt"
if python3 -c "import torch" 2>/dev/null; then
  python3 native/bench/cpu_torch.py "$out" 16 300 > "$out/cpu-torch.txt"
  echo "torch: $out/cpu-torch.json"
else
  echo "python3 cannot import torch: no PyTorch comparison" | tee "$out/cpu-torch.txt"
fi
