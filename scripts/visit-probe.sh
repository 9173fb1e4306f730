#!/usr/bin/env bash
# Measures the same jobs in several separate visits, to tell a job's own spread from the machine's state:
# runs an exported bundle once with its run.sh (build, engine info, visit 0), then VISITS more times, each a
# fresh engine process over the bundle's plan in a new shuffled order, with `vmstat 1` logged beside.
# usage (on the device, in the repository root): scripts/visit-probe.sh BUNDLE_DIR VISITS OUT_DIR
# Writes OUT_DIR/visit-<k>.jsonl (the engine's result lines), vmstat.log and probe.log. Used for
# ARTIFACT.md J's pocl-split conv retest spread (bundles/visit41: 20 jobs of conv 1636Z's grid).
set -uo pipefail
bundle="$(cd "$1" && pwd)"; visits="$2"; out="$(mkdir -p "$3" && cd "$3" && pwd)"
mkdir -p "$bundle/work"
log() { echo "[visit-probe $(date -u +%H:%M:%S)] $*" | tee -a "$out/probe.log"; }
vmstat -t 1 > "$out/vmstat.log" 2>&1 & vm=$!
trap 'kill $vm 2>/dev/null' EXIT
# A bundle whose plan was cut down to the probed jobs needs its SHA256SUMS line for plans/main.json rewritten.
(cd "$bundle" && ./run.sh --jobs 16) > "$out/run0.log" 2>&1 || { log "run.sh exited with $?: $(tail -n 2 "$out/run0.log")"; exit 1; }
cp "$bundle/results/main.jsonl" "$out/visit-0.jsonl" 2>/dev/null || log "visit 0 left no results"
set -a; source "$bundle/platform.env"; set +a
for k in $(seq 1 "$visits"); do
  # The plan is one job per line between its header line and the closing ']}': shuffle those lines.
  python3 - "$bundle/plans/main.json" "$bundle/work/visit-$k.json" "$k" <<'PY'
import random, sys
lines = open(sys.argv[1]).read().rstrip('\n').split('\n')
jobs = [l.rstrip(',') for l in lines[1:-1]]
random.Random(int(sys.argv[3])).shuffle(jobs)
open(sys.argv[2], 'w').write(lines[0] + '\n' + ',\n'.join(jobs) + '\n' + lines[-1] + '\n')
PY
  log "visit $k: start"
  "$bundle/build/coexec-engine" run "$bundle/work/visit-$k.json" --out "$out/visit-$k.jsonl" > "$out/visit-$k.log" 2>&1 || log "visit $k: engine exited with $?"
  log "visit $k: $(wc -l < "$out/visit-$k.jsonl") lines"
done
