#!/usr/bin/env bash
# Runs every bundle of a round for one platform on the device machine, then the yardsticks (gpu-host),
# and packs the results into $OUT (set by the device tool). usage: scripts/run-bundles.sh ROUND_DIR PLATFORM [yardsticks]
# This is how the shipped results/gpu-host and results/pocl-split runs were measured: `coexec export` each
# experiment into ROUND_DIR/<platform>-<experiment>, run this on the GPU host, `coexec import` each bundle,
# then (round 2) node scripts/confirm-list.mjs + `coexec export --resume ... --phase confirm`.
set -uo pipefail
source "$(dirname "$0")/lib/bounded.sh"
round="$1"; platform="$2"; ys="${3:-}"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
cd "$round"
logs="$PWD/logs-$platform"; mkdir -p "$logs"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$logs/gpu.txt" 2>&1
deadline=$(( $(date +%s) + ${BUDGET_S:-470} ))
built=""
for b in "$platform"-*/; do
  b="${b%/}"; start=$(date +%s)
  left=$(( deadline - start )); [ "$left" -gt 20 ] || { echo "$b: no time left"; continue; }
  # Bundles of one round carry the same engine sources: the first one's build saves the others a build
  # (run.sh rebuilds when the source hash differs, and re-points a copied CMake cache).
  [ -n "$built" ] && [ ! -d "$b/build" ] && cp -a "$built/build" "$b/build"
  (cd "$b" && bounded "$left" ./run.sh --jobs 16) > "$logs/$b.log" 2>&1
  echo "$b: rc=$? $(( $(date +%s) - start )) s; $(cat "$b"/results/*.jsonl 2>/dev/null | wc -l) lines"
  [ -x "$b/build/coexec-engine" ] && built="$b"
  # Packed after every bundle, so a call stopped from outside still brings back the bundles done.
  tar czf "$OUT/$platform-$round-results.tgz" "$platform"-*/results "logs-$platform" 2>/dev/null
done
if [ -n "$ys" ]; then
  b="$platform-linear-coexec"
  root="$PWD/$b/extra/root/usr/lib/x86_64-linux-gnu"
  ( cd "$b" && source ./platform.env && export OCL_ICD_VENDORS="$PWD/icd" LD_LIBRARY_PATH="$root" &&
    bounded 120 bash native/bench/yardsticks.sh build/coexec-engine "$logs/yardsticks-$platform.jsonl" 16 --device-type gpu --platform NVIDIA ) > "$logs/yardsticks.log" 2>&1
  echo "yardsticks: $(wc -l < "$logs/yardsticks-$platform.jsonl" 2>/dev/null) lines"
  bounded 60 python3 "$b/native/bench/torch_yardstick.py" 16 > "$logs/torch-$platform.jsonl" 2>> "$logs/yardsticks.log"
  echo "torch: $(wc -l < "$logs/torch-$platform.jsonl") lines"
fi
tar czf "$OUT/$platform-$round-results.tgz" "$platform"-*/results "logs-$platform"
cat "$logs/gpu.txt"; tail -3 "$logs/yardsticks.log" 2>/dev/null
ls -la "$OUT"
