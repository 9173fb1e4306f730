#!/usr/bin/env bash
# How the host's CPUs share cores, and how our CPU conv and linear paths scale over them: sysfs topology (SMT
# siblings, core and package ids), then coexec-cpu-bench --only conv and --only linear on core sets that differ in
# size and in placement (consecutive cores, every other core, the GPU host's CPU-side cores 1-15, pocl-split's
# 8-15 and 8-11). The conv 3x3 layers scaled 1.3-1.55x from 8 to 15 threads on the GPU host where the GEMM scaled
# 1.83x (ARTIFACT.md J, s30); if two vCPUs share a core's FMA units, placement shows it.
# Writes OUT/cpu-topology.tgz (topology.txt, <set>.{json,txt}): one file, since a device call returns at most 8.
# usage: native/bench/cpu-topology-probe.sh OUT
# Environment: SETS (space-separated name:cores, default below), ONLY ("conv linear"), ROUNDS (1): with ROUNDS > 1
# every set runs once per round, in turn, so a placement comparison is interleaved rather than one set after another
# (files <set>-<only>-r<k>.json); MIN_MS (20) per measurement.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out="$1"; cd "$(dirname "$0")/../.."; mkdir -p "$out"
work="$(mktemp -d)"
{
  lscpu
  echo
  for c in /sys/devices/system/cpu/cpu[0-9]*; do
    [ -r "$c/topology/thread_siblings_list" ] || continue
    echo "$(basename "$c") siblings $(cat "$c/topology/thread_siblings_list") core $(cat "$c/topology/core_id" 2>/dev/null) package $(cat "$c/topology/physical_package_id" 2>/dev/null)"
  done | sort -V
} > "$work/topology.txt" 2>&1
bin="$(mktemp -d)/cpu-bench"
native/bench/build-cpu-bench.sh "$bin" >/dev/null
# name:cores
sets="${SETS:-t1:1 t2-adjacent:1,2 t2-apart:1,9 t4-pocl:8,9,10,11 t8-first:1,2,3,4,5,6,7,8 t8-pocl:8,9,10,11,12,13,14,15
t8-odd:1,3,5,7,9,11,13,15 t15:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}"
rounds="${ROUNDS:-1}"
for ((r = 1; r <= rounds; r++)); do
  suffix=""; [ "$rounds" -gt 1 ] && suffix="-r$r"
  for s in $sets; do
    name="${s%%:*}"; cores="${s#*:}"; n=$(echo "$cores" | tr ',' '\n' | wc -l)
    for only in ${ONLY:-conv linear}; do
      "$bin" --only "$only" --threads "$n" --cores "$cores" --min-ms "${MIN_MS:-20}" \
        --json "$work/$name-$only$suffix.json" > "$work/$name-$only$suffix.txt" 2>&1 \
        || echo "$name $only$suffix failed" >> "$work/topology.txt"
    done
  done
done
tar czf "$out/cpu-topology.tgz" -C "$work" .
echo "cpu-topology-probe: $out/cpu-topology.tgz"
