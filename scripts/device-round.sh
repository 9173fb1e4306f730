#!/usr/bin/env bash
# Superseded by `coexec export --with-node`: the bundle itself carries Node and the harness, and its run.sh
# plans and measures the confirmation pass right after round 1 (see scripts/bundle-template/README.md);
# import checks the device's plan. This script is kept because it measured the run named below.
#
# Measures one offline-bundle experiment AND its confirmation pass in a single call on a machine without
# Node (the GPU host), by carrying a Node binary along: the confirmation list needs the predictors, which
# are TypeScript, and between two separate calls the lent machine would be handed back and rebuilt.
# This is how results/pocl-split/linear-coexec-host-pocl-20261201T2325Z was measured.
#
# Prepare on the harness machine (x86-64 Linux, Node 20, `npm ci && npm run build` done):
#   D=bundles/dev; mkdir -p $D
#   xz -T2 -6 -c "$(readlink -f "$(which node)")" > $D/node.xz          # ~24 MB; glibc >= 2.28 there
#   tar cJf $D/nm.tar.xz --exclude=node_modules/typescript --exclude=node_modules/playwright-core \
#       --exclude=node_modules/@types node_modules                       # ~5 MB
#   coexec export --experiment E --profile P --platform PL --out $D/b1 --results $D/results
# Send the repository with $D and dist/ (the device tool's `carry`; results/ must not travel if the tree
# would exceed the tool's size limit), then run there:
#   bash scripts/device-round.sh $D $D/results/PL/RUN_ID E P PL BUDGET_S [RETEST_S]
# and bring back $OUT/rundir.tgz (the run folder with both rounds imported). Back home, untar it into
# results/PL/ and re-finalize and derive it there (jobs.json and a manifest with this repository's commit):
#   node -e "...finalizeRun(RUN_DIR, ...)"; coexec derive RUN_DIR; coexec validate RUN_DIR
#
# RETEST_S > 0 (issue 14): the test-retest floor of the same session, for the predictors' MAPE to stand
# beside. Round 1's bundle is run a second time, bounded by RETEST_S seconds (kept back from BUDGET_S), into
# a copy of the run folder as exported ($D/retest/RUN_ID); scripts/repeatability.mjs then scores round 1's
# medians of the jobs both measured against the retest's and writes $OUT/repeatability.json (the same
# jobs, the same machine, minutes apart). The plan's order is shuffled, so a retest stopped by its bound
# re-measures a random subset of the plan's jobs. $OUT/retest.tgz holds the retest folder. A round 1 that its
# bound stops takes the retest's seconds to finish first (then no retest, unless time is left after the pass).
set -uo pipefail
source "$(dirname "$0")/lib/bounded.sh"
source "$(dirname "$0")/lib/confirm-pass.sh"
dev="$(cd "$1" && pwd)"; run="$2"; exp="$3"; prof="$4"; plat="$5"; budget="$6"; retest="${7:-0}"
out="${OUT:-$dev/out}"; mkdir -p "$out"
t0=$(date +%s); left() { echo $(( budget - ($(date +%s) - t0) )); }
# The retest's seconds come off the two rounds' budget up front, so the rounds cannot eat them.
[ "$retest" -gt 0 ] 2>/dev/null || retest=0
if [ "$retest" -gt 0 ] && [ $(( budget - 45 - retest )) -lt 60 ]; then
  echo "[device-round] RETEST_S=$retest leaves round 1 under 60 s of BUDGET_S=$budget: no retest" | tee -a "$out/go.log"
  retest=0
fi
reserve=$retest
log() { echo "[device-round $(( $(date +%s) - t0 ))s] $*" | tee -a "$out/go.log"; }
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
if [ -f "$dev/node.xz" ] && [ ! -x "$dev/node" ]; then xz -dc "$dev/node.xz" > "$dev/node" && chmod +x "$dev/node"; fi
[ -x "$dev/node" ] && export PATH="$dev:$PATH"
if [ -f "$dev/nm.tar.xz" ] && [ ! -d node_modules ]; then tar xJf "$dev/nm.tar.xz"; fi
log "node $(node --version 2>&1); nproc $(nproc); $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"
retest_run="$dev/retest/$(basename "$run")"
if [ "$retest" -gt 0 ]; then rm -rf "$retest_run"; mkdir -p "$dev/retest" && cp -a "$run" "$retest_run"; fi

# Round 1: the experiment's measured phases. It may use the seconds meant for the confirmation pass: a whole
# grid without a confirmation pass can still be derived and resumed, a grid cut short cannot be confirmed at
# all (two H200 runs of 2026-12-03 stopped at 396 of 630 and 519 of 526 jobs with 45 s kept back that would
# have finished them). 12 s stay for importing it.
# round1 SECONDS: round 1's bundle for at most SECONDS; run.sh measures only the jobs without a result line yet.
round1() { (cd "$dev/b1" && bounded "$1" ./run.sh --jobs "$(nproc)") >> "$out/round1.log" 2>&1; }
round1_lines() { cat "$dev"/b1/results/*.jsonl 2>/dev/null | wc -l; }
: > "$out/round1.log"
round1 "$(( $(left) - 12 - reserve ))"
rc1=$?
log "round 1 rc=$rc1 lines=$(round1_lines)"
# A round 1 stopped by its bound takes the retest's reserve: a grid cut short gets no confirmation pass, and a
# retest of it floors a grid that is not the run's. s41's gpu-host linear 0629Z stopped at 2295 of 2493 jobs with
# 45 s kept for the retest; its 198 jobs left (about 25 s of engine time) and its confirmation pass took another
# device call.
if [ "$rc1" -eq 124 ] && [ "$reserve" -gt 0 ] && [ "$(( $(left) - 12 ))" -ge 20 ]; then
  log "round 1 stopped by its bound: the retest's ${reserve} s go to finishing it"
  reserve=0
  round1 "$(( $(left) - 12 ))"
  rc1=$?
  log "round 1 resumed rc=$rc1 lines=$(round1_lines)"
fi
# The host's speed after each round (scripts/lib/host-canary.py, about a second): a host that slows within the
# call shows here, round by round, and not only in the retest afterwards.
canary() { [ -x "$dev/b1/build/coexec-engine" ] && [ "$(left)" -gt 20 ] && log "$(python3 scripts/lib/host-canary.py "$dev/b1/build/coexec-engine" "$dev/b1/plans/main.json" "$1")"; }
canary "after round 1"
node bin/coexec.js import --bundle "$dev/b1" --run "$run" >> "$out/go.log" 2>&1 || log "import of round 1 failed"

# A host whose other guests take the CPUs' time: when fewer than HOST_MIN_VALID (default 0.5; 0 turns it off) of
# round 1's layer jobs are VALID and steal time refused most of the others, everything else this call would
# measure on it is refused the same way. Stop here: round 1 is kept (its grid can be resumed or re-measured on
# another host), and HOST_STOLEN_FLAG, when set, tells scripts/reference-round.sh to skip its later specs, so the
# session's device time goes to a call on another host. s28's first call spent 400 s of a 1800 s budget on a
# second spec and two confirmation passes after round 1 had come back 32% VALID (median job steal 4.9%).
health="$(node scripts/lib/round-health.mjs "$run" "${HOST_MIN_VALID:-0.5}" 2>&1)"
if [ $? -eq 3 ]; then
  log "$health"
  log "stopping on this host: no re-measurement, confirmation pass or retest (HOST_MIN_VALID=0 measures on regardless)"
  [ -n "${HOST_STOLEN_FLAG:-}" ] && echo "$health" > "$HOST_STOLEN_FLAG"
  tar czf "$out/rundir.tgz" -C "$(dirname "$run")" "$(basename "$run")"
  log "done"
  exit 0
fi
log "$health"

# Round 1b: the jobs of round 1 that are INVALID only for steal time or want of time, measured once more
# (`export --remeasure`, planned by the carried harness as at home; the pooled attempts decide), so that the
# confirmation pass is planned from a grid with fewer holes. REMEASURE_S (default 60) bounds its worst-case
# engine time; it runs only with 60 s to spare beyond the retest's reserve, and 0 turns it off. A pocl-split call
# of 2026-12-05 lost a third of its grid to steal time and no second call came to measure it again.
remeasure_s="${REMEASURE_S:-60}"
if [ "$rc1" -eq 0 ] && [ "$remeasure_s" -gt 0 ] 2>/dev/null && [ "$(( $(left) - reserve - remeasure_s ))" -gt 60 ]; then
  if node bin/coexec.js export --resume "$run" --remeasure "$remeasure_s" --out "$dev/b1b" >> "$out/go.log" 2>&1 && [ -d "$dev/b1b" ]; then
    [ -d "$dev/b1/build" ] && cp -a "$dev/b1/build" "$dev/b1b/build"
    (cd "$dev/b1b" && bounded "$(( $(left) - 8 - reserve ))" ./run.sh --jobs "$(nproc)") > "$out/round1b.log" 2>&1
    log "round 1b (re-measurement) rc=$? lines=$(cat "$dev"/b1b/results/*.jsonl 2>/dev/null | wc -l)"
    node bin/coexec.js import --bundle "$dev/b1b" --run "$run" >> "$out/go.log" 2>&1 || log "import of round 1b failed"
  else
    log "round 1b: nothing to measure again (or its export failed: go.log)"
  fi
fi

# Round 2: the confirmation pass, planned from round 1 by the same code `coexec reproduce` uses.
# A pass planned from an incomplete grid would confirm the wrong strategies: none until round 1 is whole.
n=0
if [ "$rc1" -eq 0 ]; then
  node scripts/confirm-list.mjs "$run" > "$dev/confirm.txt" 2>> "$out/go.log" || log "confirm-list failed"
  n=$(grep -vc '^#' "$dev/confirm.txt" || true); log "confirm list: $n strategies"
else
  log "round 1 incomplete (rc=$rc1): no confirmation pass"
fi
# The confirmation pass comes before the retest: without it q rests on single grid medians, while a retest
# squeezed into what is left re-measures a random part of the grid anyway. When round 1 (or 1b) left the pass
# too little beside the reserve, the reserve gives way (s23: linear 1835Z had 59 s left and a 40 s reserve, so
# no pass, and the retest then measured 463 of 984 jobs in 51 s).
if [ "$n" -gt 0 ] && [ "$reserve" -gt 0 ] && [ "$(( $(left) - reserve ))" -le 45 ] && [ "$(left)" -gt 45 ]; then
  cut=$(( $(left) - 45 ))
  log "confirmation pass before the retest: its reserve cut from ${reserve} s to ${cut} s"
  reserve=$cut
fi
# Planning the pass (import, confirm-list's training) took 29-51 s on the H200 host of s27: a spec's BUDGET_S
# wants round 1 + about 60 s + the pass. Say so when the pass is skipped: s27's first call lost three passes
# without a line in the logs.
if [ "$n" -gt 0 ] && [ "$(( $(left) - reserve ))" -gt 25 ]; then
  measure_confirm_pass "$(( $(left) - 8 - reserve ))" "$dev/b1/build" round2
  canary "after the confirmation pass"
elif [ "$n" -gt 0 ]; then
  log "confirmation pass skipped: $(left) s left, ${reserve} s of them kept for the retest (q will rest on grid medians)"
fi
tar czf "$out/rundir.tgz" -C "$(dirname "$run")" "$(basename "$run")"

# The retest: round 1's bundle again, its own results, the engine build reused; what it finished counts.
if [ "$retest" -gt 0 ] && [ "$(( $(left) - 8 ))" -ge 20 ]; then
  rm -rf "$dev/b1r"; cp -a "$dev/b1" "$dev/b1r"; rm -rf "$dev/b1r/results" "$dev/b1r/work"
  (cd "$dev/b1r" && bounded "$(( $(left) - 8 ))" ./run.sh --jobs "$(nproc)") > "$out/retest.log" 2>&1
  log "retest rc=$? lines=$(cat "$dev"/b1r/results/*.jsonl 2>/dev/null | wc -l)"
  node bin/coexec.js import --bundle "$dev/b1r" --run "$retest_run" >> "$out/go.log" 2>&1 || log "import of the retest failed"
  node scripts/repeatability.mjs "$run" "$retest_run" --out "$out/repeatability.json" \
    --note "same device call: round 1's bundle measured again after the confirmation pass, bounded by ${retest} s" \
    >> "$out/go.log" 2>&1 || log "repeatability failed"
  canary "after the retest"
  tar czf "$out/retest.tgz" -C "$dev/retest" "$(basename "$run")"
elif [ "$retest" -gt 0 ]; then
  log "retest skipped: $(left) s left"
fi
log "done"
