#!/usr/bin/env bash
# Measures several reference runs (round 1 and its confirmation pass each) in ONE call on the GPU host,
# which has no Node: it carries one Node binary and the harness's packages for all of them, so the working
# tree stays under the device tool's size limit. Each run is measured by scripts/device-round.sh.
#
# Prepare on the harness machine (x86-64 Linux, Node 20, `npm ci && npm run build` done):
#   D=bundles/ref; mkdir -p $D
#   xz -T2 -6 -c "$(readlink -f "$(which node)")" > $D/node.xz
#   tar cJf $D/nm.tar.xz --exclude=node_modules/typescript --exclude=node_modules/playwright-core \
#       --exclude=node_modules/@types node_modules
#   for each SPEC platform:experiment:profile: coexec export --experiment E --profile P --platform PL \
#       --out $D/PL-E/b1 --results $D/results
# Then, on the GPU host, with dist/ and $D carried (committed results/ may have to stay home):
#   ROUND_COMMIT=<sha> bash scripts/reference-round.sh $D PL:E:P:BUDGET_S[:RETEST_S] ...
# It writes $OUT/reference.tgz (or, past 15 MB, its parts reference.tgz.part*): every run folder under $D/results with both rounds imported, the logs and
# machine.txt. Back home: `bash scripts/import-reference-round.sh DIR` (DIR holding the archive or its parts) copies
# the run folders to results/PL/, derives, compacts, renders and validates them, and keeps their retests.
# RETEST_S > 0 keeps that many of the run's BUDGET_S seconds for the same-session test-retest floor
# (scripts/device-round.sh): the archive then also holds retest/RUN_ID (round 1's bundle measured again)
# and logs/PL-E/repeatability.json; copy the latter to results/repeatability/<PL>-<E>-<date>-same-call.json.
set -uo pipefail
dev="$(cd "$1" && pwd)"; shift
out="${OUT:-$dev/out}"; mkdir -p "$out/logs"
{
  echo "commit: ${ROUND_COMMIT:-unknown}"; date -u +%Y-%m-%dT%H:%M:%SZ; nproc
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  lscpu | grep -E 'Model name|^CPU\(s\)' ; command -v pocl 2>/dev/null
} > "$out/logs/machine.txt"
[ -f "$dev/node.xz" ] && [ ! -x "$dev/node" ] && xz -dc "$dev/node.xz" > "$dev/node" && chmod +x "$dev/node"
[ -f "$dev/nm.tar.xz" ] && [ ! -d node_modules ] && tar xJf "$dev/nm.tar.xz"
# REF_TOTAL_S bounds the whole call (the device tool's limit): a run gets at most what is left minus 20 s
# for packing, and the archive is rewritten after every run, so a call stopped from outside still returns.
deadline=$(( $(date +%s) + ${REF_TOTAL_S:-570} ))
# The device tool returns no file over 16 MB (s17 lost a 19.9 MB archive's retest and logs): an archive past
# 15 MB is left as reference.tgz.part* instead (`cat reference.tgz.part* | tar xzf -` at home).
# scripts/device-pack.sh does it; copy the parts into the device's $OUT as they are (tarring them again makes one
# file past the limit, s32).
pack() {
  local extra=(); [ -d "$dev/retest" ] && extra=(retest)
  bash "$(dirname "$0")/device-pack.sh" reference "$out" -C "$dev" results "${extra[@]}" -C "$out" logs
}
first=""   # the first bundle's engine build; the others have the same native sources and reuse it
# Set by scripts/device-round.sh when round 1 found the host's CPUs taken by other guests (steal time): the later
# specs are skipped, and the call ends early, so its device time can go to another host.
export HOST_STOLEN_FLAG="$dev/host-stolen.txt"; rm -f "$HOST_STOLEN_FLAG"
for spec in "$@"; do
  IFS=: read -r plat exp prof budget retest <<< "$spec"
  retest="${retest:-0}"
  if [ -f "$HOST_STOLEN_FLAG" ]; then
    echo "$spec: skipped: the host is too busy to measure on ($(head -1 "$HOST_STOLEN_FLAG")); give the machine back and measure it in another call" | tee -a "$out/logs/round.log"
    continue
  fi
  left=$(( deadline - $(date +%s) - 20 ))
  [ "$left" -ge 45 ] || { echo "$spec: skipped, ${left} s left" | tee -a "$out/logs/round.log"; continue; }
  [ "$budget" -le "$left" ] || budget=$left
  d="$dev/$plat-$exp"
  run="$(ls -d "$dev/results/$plat/$exp-"* 2>/dev/null | head -1)"
  [ -d "$d/b1" ] && [ -n "$run" ] || { echo "$spec: no bundle $d/b1 or run folder" | tee -a "$out/logs/round.log"; continue; }
  ln -sf "$dev/node" "$d/node"
  [ -n "$first" ] && [ ! -d "$d/b1/build" ] && cp -a "$first" "$d/b1/build"
  # Every measurement starts on idle cores: nothing of the previous one may still be running.
  if pgrep -f coexec-engine >/dev/null; then
    echo "$spec: engine processes left running before it: $(pgrep -af coexec-engine | head -3 | tr '\n' ';'); killed" | tee -a "$out/logs/round.log"
    pkill -KILL -f coexec-engine; sleep 1
  fi
  t=$(date +%s)
  OUT="$out/logs/$plat-$exp" bash scripts/device-round.sh "$d" "$run" "$exp" "$prof" "$plat" "$budget" "$retest"
  echo "$spec: $(( $(date +%s) - t )) s" | tee -a "$out/logs/round.log"
  [ -z "$first" ] && [ -d "$d/b1/build" ] && first="$d/b1/build"
  pack
done
pack && rm -rf "$out/logs"
ls -la "$out"
