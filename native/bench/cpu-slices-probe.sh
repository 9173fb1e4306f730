#!/usr/bin/env bash
# Where a thin CPU slice's time goes on the GPU host: coexec-cpu-bench --only $ONLY on 1, 8 and 15 threads
# (cores 1..), and on 15 threads with the pool's static chunking. ONLY=slices (the default: linear slices of 48
# and 96 columns besides shares of N and M) or ONLY=conv-slices (the reference conv layers' channel and height
# slices at 10-100%, the three simd implementations interleaved; LAYERS narrows them, e.g. resnet18/layer1).
# A slice whose time does not shrink with its share from 1 to 15 threads shows a per-call cost of the pool.
# Writes OUT/<ONLY>-<threads>t[-static].{json,txt}.
# usage: [ONLY=conv-slices] [LAYERS=SUBSTRING] native/bench/cpu-slices-probe.sh OUT
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out="$1"; cd "$(dirname "$0")/../.."; mkdir -p "$out"
bin="$(mktemp -d)/cpu-bench"
native/bench/build-cpu-bench.sh "$bin" >/dev/null
only="${ONLY:-slices}"
layers=()
[ -n "${LAYERS:-}" ] && layers=(--layers "$LAYERS")
for t in 15 8 1; do
  cores=$(seq -s, 1 "$t")
  "$bin" --only "$only" "${layers[@]}" --threads "$t" --cores "$cores" --min-ms "${MIN_MS:-30}" --json "$out/$only-${t}t.json" \
    > "$out/$only-${t}t.txt"
done
COEXEC_POOL_CHUNKING=static "$bin" --only "$only" "${layers[@]}" --threads 15 --cores "$(seq -s, 1 15)" --min-ms "${MIN_MS:-30}" \
  --json "$out/$only-15t-static.json" > "$out/$only-15t-static.txt"
echo "cpu-slices-probe: $out"
