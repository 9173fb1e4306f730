#!/usr/bin/env bash
# Where PoCL's workers run on a machine whose cores the engine shares with them (the `local` platform), and what
# it does to GPU-only latency: the M = 1 GPU-only `finish` jobs of a run's plan (one per shape in SHAPES), each
# arrangement measured in REPS fresh engine processes, one median per job and process.
#   two       PoCL's default (a worker per core), unpinned: the OS places the workers
#   one       one worker (POCL_MAX_PTHREAD_COUNT=1)
#   pinned    a worker per core, worker i on core i (POCL_AFFINITY=1)
#   awake     pinned, and the plan keeps both cores out of idle with idle-priority spinners (keepDeviceCoresAwake)
# Writes OUT/raw/<arrangement>-<rep>.jsonl.gz and OUT/summary.md (python3, stdlib only). Needs a built engine.
#
# usage: native/bench/pocl-workers-probe.sh RUN_PLAN.json OUT [REPS]
#   e.g. native/bench/pocl-workers-probe.sh results/local/linear-coexec-full-20261205T2237Z/plan.json /tmp/pw 4
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
plan_in="$1"; out="$2"; reps="${3:-4}"
engine=native/build/coexec-engine
[ -x "$engine" ] || { echo "no engine at $engine: run scripts/build-engine.sh" >&2; exit 1; }
SHAPES="${SHAPES:-96x768 192x384 384x768 576x768 768x384 1152x384 3072x768 768x3072}"
mkdir -p "$out/raw"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

python3 - "$plan_in" "$tmp" "$SHAPES" <<'PY'
import json, sys
plan_in, tmp, shapes = sys.argv[1], sys.argv[2], sys.argv[3].split()
plan = json.load(open(plan_in))
want = {tuple(int(v) for v in s.split('x')) for s in shapes}
jobs = [j for j in plan['jobs'] if j['kind'] == 'layer' and j['layer']['type'] == 'linear' and j['layer']['M'] == 1
        and (j['layer']['N'], j['layer']['K']) in want and j['strategy']['splitRatio'] == 0 and j['strategy']['sync'] == 'finish']
if not jobs:
    sys.exit(f'{plan_in}: no M = 1 GPU-only finish jobs of the shapes {shapes}')
plan.update(planId='pocl-workers-probe', jobs=jobs)
json.dump(plan, open(f'{tmp}/plan.json', 'w'))
plan.update(deviceCores=[0, 1], keepDeviceCoresAwake=True)
json.dump(plan, open(f'{tmp}/plan-awake.json', 'w'))
PY

measure() {  # arrangement plan env...
  local name="$1" plan="$2"; shift 2
  for rep in $(seq 1 "$reps"); do
    echo "pocl-workers-probe: $name $rep/$reps" >&2
    env "$@" "$engine" run "$plan" --out "$tmp/$name-$rep.jsonl" 2>/dev/null
    gzip -c "$tmp/$name-$rep.jsonl" > "$out/raw/$name-$rep.jsonl.gz"
  done
}
measure two "$tmp/plan.json"
measure one "$tmp/plan.json" POCL_MAX_PTHREAD_COUNT=1 POCL_CPU_MAX_CU_NUM=1
measure pinned "$tmp/plan.json" POCL_AFFINITY=1
measure awake "$tmp/plan-awake.json" POCL_AFFINITY=1

python3 - "$out" "$reps" <<'PY' > "$out/summary.md"
import gzip, json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
names = ['two', 'one', 'pinned', 'awake']
cells = {}
for n in names:
    for rep in range(1, reps + 1):
        for line in gzip.open(f'{out}/raw/{n}-{rep}.jsonl.gz', 'rt'):
            r = json.loads(line)
            shape = f"M1 N{r['layer']['N']} K{r['layer']['K']}"
            v = round(statistics.median(r['samplesNs']) / 1e3) if r.get('status') == 'ok' and r.get('samplesNs') else r.get('status')
            cells.setdefault(shape, {}).setdefault(n, []).append(v)
dev = json.loads(gzip.open(f'{out}/raw/two-1.jsonl.gz', 'rt').readline())['device']['name']
print(f'GPU-only latency, us (median of each engine process; {reps} processes per arrangement), linear_reg M = 1, `finish`, on {dev}\n')
print('| layer | ' + ' | '.join(names) + ' |')
print('| --- |' + ' --- |' * len(names))
for shape in sorted(cells, key=lambda s: [int(x[1:]) for x in s.split()[1:]]):
    print(f'| {shape} | ' + ' | '.join(' '.join(str(v) for v in cells[shape].get(n, [])) for n in names) + ' |')
PY
cat "$out/summary.md"
