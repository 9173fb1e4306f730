#!/usr/bin/env bash
# svm-resident on pocl-split (docs/next-device-round.md step 4): builds the engine, then times the same split
# of each linear M = 1 layer and one M = 64 layer with svm-fine and svm-resident, alternated over 3 rounds,
# in pocl-split's arrangement (PoCL's 7 workers pinned to cores 0-6, the GPU-driver thread on core 7, the CPU
# side's 8 threads on cores 8-15), plus GPU-only with each. Every output is checked by the engine.
# usage: bash native/bench/resident-check-pocl-split.sh OUT_DIR   (GPU host; about 60 s after the build)
set -euo pipefail
out="$1"; mkdir -p "$out"
cd "$(dirname "$0")/../.."
bash scripts/build-engine.sh native/build >"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; exit 1; }
E=native/build/coexec-engine
export POCL_MAX_PTHREAD_COUNT=7 POCL_CPU_MAX_CU_NUM=7 POCL_AFFINITY=1
"$E" info >"$out/info.json" 2>/dev/null || true
shapes=("1 768 3072" "1 3072 768" "1 1536 384" "1 4096 4096" "64 3072 768")
for round in 1 2 3; do
  for sh in "${shapes[@]}"; do
    read -r M N K <<<"$sh"
    variant=linear_reg_v16x2_m1; [ "$M" -gt 1 ] && variant=linear_reg_v16x2_m8
    for ratio in 0.5 0; do
      for sync in svm-fine svm-resident; do
        timeout 60 "$E" bench --layer linear --M "$M" --N "$N" --K "$K" --ratio "$ratio" --threads 8 \
          --cores 8,9,10,11,12,13,14,15 --driver-core 7 --gpu "$variant" --wg 1 --sync "$sync" --device-type cpu --platform Portable \
          --min-samples 100 --min-time-ms 200 --max-samples 2000 2>/dev/null |
          python3 -c "import json,sys; [print(json.dumps(dict(json.loads(l), round=$round, **{k: None for k in ('samplesNs','cpuSideNs','gpuSideNs','gpuTimestampsNs')}))) for l in sys.stdin if l.strip()]" >>"$out/results.jsonl" || echo "M$M N$N K$K r$ratio $sync: engine exit $?" >>"$out/errors.txt"
      done
    done
  done
done
python3 - "$out/results.jsonl" <<'PY' | tee "$out/summary.txt"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cell = {}
for r in rows:
    ok = r.get("status") == "ok" and r.get("check", {}).get("passed")
    key = (r["layer"]["M"], r["layer"]["N"], r["layer"]["K"], r["strategy"]["splitRatio"], r["strategy"]["sync"])
    cell.setdefault(key, []).append(r["medianNs"] / 1e3 if ok else float("nan"))
print("M N K ratio | svm-fine us | svm-resident us | fine/resident  (median of 3 rounds' medians)")
for key in sorted({k[:4] for k in cell}):
    f, s = (statistics.median(cell.get(key + (m,), [float("nan")])) for m in ("svm-fine", "svm-resident"))
    print(*key, "|", round(f, 1), "|", round(s, 1), "|", round(f / s, 2) if s == s and s else "n/a")
PY
