#!/usr/bin/env bash
# One device call for a run whose round 1 is home but too noisy to confirm: its re-measurement round, then the
# confirmation pass planned from the grid that round leaves, as `coexec reproduce` would plan it. Two separate
# calls would each pay a machine start, and the pass needs the predictors (TypeScript), so the call carries
# Node and the harness's packages as scripts/reference-round.sh does.
#
# Prepare on the harness machine (`npm ci && npx tsc -p tsconfig.json` done), D=bundles/remN:
#   mkdir -p $D/results/PL && cp -a results/PL/RUN $D/results/PL/
#   cp bundles/refM/node.xz bundles/refM/nm.tar.xz $D/     (or scripts/prepare-reference-round.sh's two steps)
#   node bin/coexec.js export --resume $D/results/PL/RUN --remeasure S --out $D/b1b
# Then, on the GPU host, with dist/ and $D carried:
#   OUT=$OUT/rem TOTAL_S=... bash scripts/remeasure-confirm-round.sh $D PL/RUN EXPERIMENT PROFILE
# $OUT/rundir.tgz holds the run folder with both rounds imported; back home, replace results/PL/RUN with it,
# then `coexec derive`, `validate` and `compact`. Import refuses a round measured on another kind of machine.
set -uo pipefail
source "$(dirname "$0")/lib/bounded.sh"
source "$(dirname "$0")/lib/confirm-pass.sh"
[ $# -eq 4 ] || { echo "usage: $0 DIR PL/RUN_ID EXPERIMENT PROFILE" >&2; exit 2; }
dev="$(cd "$1" && pwd)"; run="$dev/results/$2"; exp="$3"; prof="$4"; plat="${2%%/*}"
out="${OUT:-$dev/out}"; mkdir -p "$out"
t0=$(date +%s); total="${TOTAL_S:-560}"; left() { echo $(( total - ($(date +%s) - t0) )); }
log() { echo "[remeasure-confirm $(( $(date +%s) - t0 ))s] $*" | tee -a "$out/go.log"; }
pack() { tar czf "$out/rundir.tgz" -C "$(dirname "$run")" "$(basename "$run")"; }
[ -d "$run" ] && [ -d "$dev/b1b" ] || { echo "remeasure-confirm: need $run and $dev/b1b" >&2; exit 2; }
if [ -f "$dev/node.xz" ] && [ ! -x "$dev/node" ]; then xz -dc "$dev/node.xz" > "$dev/node" && chmod +x "$dev/node"; fi
export PATH="$dev:$PATH"
[ -d node_modules ] || tar xJf "$dev/nm.tar.xz"
log "node $(node --version 2>&1); nproc $(nproc); $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"
# Steal time at the start: a round measured beside other tenants is refused job by job (ARTIFACT.md J).
vmstat 1 3 > "$out/vmstat-start.txt" 2>&1

# The re-measurement round: what round 1 left INVALID, measured again; 60 s stay for the pass.
(cd "$dev/b1b" && bounded "$(( $(left) - 60 ))" ./run.sh --jobs "$(nproc)") > "$out/remeasure.log" 2>&1
log "re-measurement rc=$? lines=$(cat "$dev"/b1b/results/*.jsonl 2>/dev/null | wc -l)"
node bin/coexec.js import --bundle "$dev/b1b" --run "$run" >> "$out/go.log" 2>&1 || log "import of the re-measurement failed"
pack

# The confirmation pass, planned from the grid as it stands now.
node scripts/confirm-list.mjs "$run" > "$dev/confirm.txt" 2>> "$out/go.log" || log "confirm-list failed"
n=$(grep -vc '^#' "$dev/confirm.txt" || true); log "confirm list: $n strategies"
if [ "$n" -gt 0 ] && [ "$(left)" -gt 25 ]; then
  measure_confirm_pass "$(( $(left) - 10 ))" "$dev/b1b/build" confirm
  pack
else
  log "no confirmation pass: $n strategies, $(left) s left"
fi
log "done"
