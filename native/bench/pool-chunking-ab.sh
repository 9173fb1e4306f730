#!/usr/bin/env bash
# The CPU pool's chunking rules against each other (thread_pool.cpp, COEXEC_POOL_CHUNKING) on the jobs where
# they differ: M = 1 linear layers whose weights fit in the cores' caches or not, M = 8 and 64, conv, and two
# co-executed layers with the OpenCL device on the same cores (where a late-starting worker matters). Each job
# runs once per rule, the rules alternating (their order reversed every other round), ROUNDS times, so they
# meet the machine's state alike; every run's output is checked against the double reference by the engine
# (check.passed). Writes OUT/runs.txt (one line per run: job rule round median_us check) and OUT/summary.md
# (per job, the median over rounds per rule and its speedup over the first rule).
# usage: native/bench/pool-chunking-ab.sh OUT [THREADS=2] [CORES=0,1] [ROUNDS=4]   (RULES="balanced affine static";
#        CONV_ONLY=1: the reference conv layers alone, no linear jobs; SKIP_COEXEC=1: no co-executed jobs)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT [THREADS] [CORES] [ROUNDS]" >&2; exit 2; }
out="$1"; threads="${2:-2}"; cores="${3:-0,1}"; rounds="${4:-4}"
rules="${RULES:-balanced affine static}"
cd "$(dirname "$0")/../.."
engine=native/build/coexec-engine
[ -x "$engine" ] || { echo "pool-chunking-ab: build the engine first (scripts/build-engine.sh)" >&2; exit 1; }
mkdir -p "$out"
common=(--threads "$threads" --cores "$cores" --min-samples 100 --max-samples 300 --min-time-ms 150)
# name|bench flags (CPU-only unless a ratio below 1 names a GPU side)
jobs=()
if [ -z "${CONV_ONLY:-}" ]; then
  for nk in 768x1024 1536x384 1024x1536 3072x768 768x3072 4096x4096; do
    jobs+=("linear-M1-N${nk%x*}-K${nk#*x}|--layer linear --M 1 --N ${nk%x*} --K ${nk#*x} --ratio 1 --cpu simd --gpu none --sync finish")
  done
  jobs+=("linear-M8-N3072-K768|--layer linear --M 8 --N 3072 --K 768 --ratio 1 --cpu simd --gpu none --sync finish")
  jobs+=("linear-M64-N3072-K768|--layer linear --M 64 --N 3072 --K 768 --ratio 1 --cpu simd --gpu none --sync finish")
fi
conv64="--layer conv2d --batch 1 --C 64 --H 56 --W 56 --F 64 --R 3 --S 3 --stride 1 --pad 1"
jobs+=("conv-C64-56x56-F64-3x3|$conv64 --ratio 1 --cpu simd-flat --gpu none --sync finish")
jobs+=("conv-C256-14x14-F256-3x3|--layer conv2d --batch 1 --C 256 --H 14 --W 14 --F 256 --R 3 --S 3 --stride 1 --pad 1 --ratio 1 --cpu simd-im2col --gpu none --sync finish")
jobs+=("conv-C144-56x56-F24-1x1|--layer conv2d --batch 1 --C 144 --H 56 --W 56 --F 24 --R 1 --S 1 --stride 1 --pad 0 --ratio 1 --cpu simd-im2col --gpu none --sync finish")
if [ -n "${CONV_ONLY:-}" ]; then  # every other reference conv layer, with the CPU implementation its grid runs
  conv_job() { jobs+=("$1|--layer conv2d --batch 1 $2 --ratio 1 --cpu $3 --gpu none --sync finish"); }
  conv_job conv-C64-56x56-F64-3x3-im2col "--C 64 --H 56 --W 56 --F 64 --R 3 --S 3 --stride 1 --pad 1" simd-im2col
  conv_job conv-C128-28x28-F128-3x3 "--C 128 --H 28 --W 28 --F 128 --R 3 --S 3 --stride 1 --pad 1" simd-flat
  conv_job conv-stem-3x224x224-F64-7x7s2 "--C 3 --H 224 --W 224 --F 64 --R 7 --S 7 --stride 2 --pad 3" simd-flat
  conv_job conv-C256-56x56-F64-1x1 "--C 256 --H 56 --W 56 --F 64 --R 1 --S 1 --stride 1 --pad 0" simd-im2col
  conv_job conv-C64-56x56-F64-1x1 "--C 64 --H 56 --W 56 --F 64 --R 1 --S 1 --stride 1 --pad 0" simd-im2col
  conv_job conv-C320-7x7-F1280-1x1 "--C 320 --H 7 --W 7 --F 1280 --R 1 --S 1 --stride 1 --pad 0" simd-im2col
fi
if [ -z "${SKIP_COEXEC:-}" ]; then
  jobs+=("coexec-linear-M1-N3072-K768-r0.7-finish|--layer linear --M 1 --N 3072 --K 768 --ratio 0.7 --cpu simd --gpu linear_reg_v16x2_m1 --wg 1 --sync finish --device-type cpu")
  jobs+=("coexec-conv-C64-56x56-r0.7-svm-fine|$conv64 --ratio 0.7 --cpu simd-flat --gpu conv_reg_v16x2_q8 --wg 1 --sync svm-fine --device-type cpu")
fi
: > "$out/runs.txt"
total=$(( ${#jobs[@]} * rounds ))
n=0
for job in "${jobs[@]}"; do
  name="${job%%|*}"; read -r -a flags <<< "${job#*|}"
  for round in $(seq 1 "$rounds"); do
    order="$rules"; [ $((round % 2)) -eq 0 ] && order=$(echo "$rules" | tr ' ' '\n' | tac | tr '\n' ' ')
    for rule in $order; do  # reversed every other round: no rule always runs after the same one
      line=$(COEXEC_POOL_CHUNKING="$rule" "$engine" bench "${flags[@]}" "${common[@]}" 2>/dev/null | python3 native/bench/bench_median.py || true)
      echo "$name $rule $round $line" >> "$out/runs.txt"
    done
    n=$((n + 1)); echo "pool-chunking-ab: $n/$total $name" >&2
  done
done
python3 - "$out/runs.txt" > "$out/summary.md" <<'EOF'
import collections, statistics, sys
runs = collections.defaultdict(lambda: collections.defaultdict(list))
failed = 0
for line in open(sys.argv[1]):
    name, rule, _round, median, check = line.split()
    runs[name][rule].append(float(median))
    failed += check != "passed"
rules = list(next(iter(runs.values())))  # every job ran every rule, in the order of the first round
print("| job | " + " | ".join(f"{r}: median us (rounds)" for r in rules) + " | " + " | ".join(f"{r} speedup over {rules[0]}" for r in rules[1:]) + " |")
print("| --- " * (2 * len(rules)) + "|")
for name, by_rule in runs.items():
    med = {r: statistics.median(v) for r, v in by_rule.items()}
    cells = [f"{med[r]:.1f} ({' '.join(f'{x:.0f}' for x in by_rule[r])})" for r in rules]
    print(f"| {name} | " + " | ".join(cells) + " | " + " | ".join(f"{med[rules[0]] / med[r]:.2f}" for r in rules[1:]) + " |")
print(f"\nRuns whose output failed the reference check or did not finish: {failed}")
EOF
cat "$out/summary.md"
