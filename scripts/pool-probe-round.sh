#!/usr/bin/env bash
# One device call that measures the CPU pool's chunking rules on the GPU host (docs/next-device-round.md item 13):
# builds the engine, then per thread count of the host's platforms (15 threads on cores 1-15: gpu-host; 8 on
# cores 8-15: pocl-split's CPU side) native/bench/gemv-chunking-probe.sh (coexec-cpu-bench's M = 1 layers whole and
# as CPU slices, simd beside OpenBLAS, affine against balanced) and native/bench/pool-chunking-ab.sh (engine bench
# jobs, CPU-only, rules alternated). Each step gets its share of TOTAL_S and is cut off at it; everything lands in
# OUT (gzipped as OUT.tgz beside it, for a call's $OUT).
# usage: OUT=$OUT/pool TOTAL_S=240 bash scripts/pool-probe-round.sh
#   (SPECS="15:1 8:8" THREADS:FIRST_CORE pairs, ROUNDS=3; on a small machine e.g. SPECS="2:0" ROUNDS=1)
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:?set OUT}"; total="${TOTAL_S:-240}"; rounds="${ROUNDS:-3}"; specs="${SPECS:-15:1 8:8}"
mkdir -p "$out"
start=$(date +%s)
left() { echo $(( total - ($(date +%s) - start) )); }
log() { echo "pool-probe-round: $*" | tee -a "$out/round.log" >&2; }
{ lscpu; nproc; } > "$out/machine.txt" 2>&1
git rev-parse HEAD > "$out/commit.txt" 2>/dev/null || true
log "build (left $(left) s)"
bash scripts/build-engine.sh > "$out/build.log" 2>&1 || { log "engine build failed (build.log)"; exit 1; }
steps=$(( $(echo "$specs" | wc -w) * 2 ))
for spec in $specs; do
  threads="${spec%%:*}"; first="${spec#*:}"
  cores=$(seq -s, "$first" $(( first + threads - 1 )))
  share=$(( $(left) / steps )); steps=$(( steps - 1 ))
  [ "$share" -gt 10 ] || { log "no time left for $threads threads"; break; }
  log "gemv-chunking-probe, $threads threads on $cores ($share s)"
  RULES="affine balanced" FIRST_CORE="$first" timeout "$share" \
    bash native/bench/gemv-chunking-probe.sh "$out/gemv$threads" "$threads" "$rounds" >> "$out/round.log" 2>&1 \
    || log "gemv-chunking-probe $threads: stopped (exit $?)"
  share=$(( $(left) / steps )); steps=$(( steps - 1 ))
  [ "$share" -gt 10 ] || { log "no time left for pool-chunking-ab at $threads threads"; break; }
  log "pool-chunking-ab, $threads threads on $cores ($share s)"
  RULES="balanced affine" SKIP_COEXEC=1 timeout "$share" \
    bash native/bench/pool-chunking-ab.sh "$out/pool$threads" "$threads" "$cores" "$rounds" >> "$out/round.log" 2>&1 \
    || log "pool-chunking-ab $threads: stopped (exit $?)"
done
log "done in $(( $(date +%s) - start )) s"
tar czf "$out.tgz" -C "$(dirname "$out")" "$(basename "$out")"
