#!/usr/bin/env bash
# The native test suite: builds the engine (native/build) and checks it on the local OpenCL device (PoCL
# here): every CPU implementation, GPU variant, split and sync mechanism against the double reference over
# awkward shapes; bad plans and flags; info with and without OpenCL; .npy output; a sanitizer build
# (native/build-asan) and a ThreadSanitizer build (native/build-tsan) on a small subset; the CPU engineer's test binaries (native and aarch64 under qemu),
# which print their own SUITE lines. Ends with exactly one line "SUITE native: N passed, N failed".
# Environment: COEXEC_TEST_SKIP_ASAN=1 / COEXEC_TEST_SKIP_TSAN=1 / COEXEC_TEST_SKIP_AARCH64=1 skip those (slow)
# parts.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
summary() { echo "SUITE native: $passed passed, $failed failed"; }

# check NAME COMMAND...: one case, passes when the command exits 0.
check() {
  local name="$1"; shift
  if "$@" >"$tmp/case.log" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/    /' "$tmp/case.log" | tail -n 15; fi
}

# --- build --------------------------------------------------------------------------------------------
if ! scripts/build-engine.sh native/build >"$tmp/build.log" 2>&1; then
  tail -n 40 "$tmp/build.log"
  fail "build native/build"
  summary
  exit 1
fi
pass "build native/build"
E="$root/native/build/coexec-engine"
T="$root/native/build/coexec-test-tool"
# The sweeps exercise the command-buffer replays (the more involved submit path) wherever PoCL offers them;
# the engine's default is calls, which its own sweep below covers.
export COEXEC_GPU_SUBMIT=auto

# --- CPU test binary (prints its own SUITE cpu line) ----------------------------------------------------
# own_suite NAME COMMAND...: runs a test that prints its own SUITE line; a crash without one is a failure here.
own_suite() {
  local name="$1"; shift
  "$@" 2>&1 | tee "$tmp/own.log"
  grep -q '^SUITE ' "$tmp/own.log" || fail "$name printed no SUITE line"
}
if [ -x native/build/coexec-cpu-test ]; then
  own_suite "coexec-cpu-test" native/build/coexec-cpu-test
  # Every CPU kernel and the pool again under the pool's other chunking rules (the engine's measurement hook):
  # the chunk boundaries each rule hands a kernel differ.
  for rule in static dynamic balanced; do
    COEXEC_POOL_CHUNKING=$rule own_suite "coexec-cpu-test ($rule chunking)" native/build/coexec-cpu-test
  done
fi

# --- info ---------------------------------------------------------------------------------------------
info_ok() {
  "$E" info >"$tmp/info.json" && "$T" info "$tmp/info.json"
}
check "info: JSON with CPU, devices and five sync mechanisms proven by round trips" info_ok

# Every GPU variant and CPU implementation that info lists is a name the plan parser accepts (a CPU-only
# job validates the gpuVariant without building it), and nothing the parser accepts is missing from it.
info_catalog() {
  "$T" variants "$tmp/info.json" >"$tmp/catalog.txt" || return 1
  [ "$(grep -c ' gpu linear_reg_' "$tmp/catalog.txt")" -eq 45 ] && [ "$(grep -c ' gpu conv_reg' "$tmp/catalog.txt")" -eq 90 ] || return 1
  [ "$(grep -c ' gpu gemv_reg_' "$tmp/catalog.txt")" -eq 45 ] && [ "$(grep -c ' gpu conv_pq_1x1_' "$tmp/catalog.txt")" -eq 45 ] || return 1
  [ "$(grep -c ' gpu conv_pq_v' "$tmp/catalog.txt")" -eq 45 ] || return 1
  local kind side id flags
  while read -r kind side id; do
    if [ "$kind" = linear ]; then flags=(--layer linear --N 3 --K 2); else flags=(--layer conv2d --C 1 --H 2 --W 2 --F 2 --R 1 --S 1); fi
    if [ "$side" = gpu ]; then flags+=(--gpu "$id"); else flags+=(--cpu "$id"); fi
    "$E" bench "${flags[@]}" --ratio 1 --min-samples 1 --min-time-ms 0 --warmup 0 >/dev/null 2>"$tmp/catalog.err" ||
      { echo "$kind $side $id: $(cat "$tmp/catalog.err")"; return 1; }
  done <"$tmp/catalog.txt"
  # a name outside the catalog is refused
  ! "$E" bench --layer linear --N 3 --K 2 --gpu linear_reg_v32_m8 --ratio 1 --min-samples 1 >/dev/null 2>&1 || return 1
  # a local-tiled id outside its knob domain is refused with the reason, in one line
  ! "$E" bench --layer linear --N 3 --K 2 --gpu gemm_local_64x64x16_1x1 --ratio 1 --min-samples 1 >/dev/null 2>"$tmp/local.err" &&
    grep -q 'gemm_local_64x64x16_1x1: 4096 work-items per work-group' "$tmp/local.err" && [ "$(wc -l <"$tmp/local.err")" -eq 1 ] || return 1
  ! "$E" bench --layer conv2d --C 1 --H 2 --W 2 --F 2 --R 1 --S 1 --gpu conv_local_48x64x16_4x4 --ratio 1 --min-samples 1 >/dev/null 2>&1
}
check "info: layers lists every GPU variant (with knobs) and CPU implementation the engine accepts" info_catalog

no_opencl() {
  COEXEC_OPENCL_LIB=/nonexistent/libOpenCL.so "$E" info >"$tmp/info0.json" || return 1
  grep -q '"opencl":{"available":false,"reason":"no usable OpenCL library (/nonexistent/libOpenCL.so: ' "$tmp/info0.json" || return 1
  # CPU-only work still runs; GPU work is an error record naming the reason, not a crash
  COEXEC_OPENCL_LIB=/nonexistent/libOpenCL.so "$E" bench --layer linear --N 7 --K 9 --ratio 1 --min-samples 2 --min-time-ms 0 >"$tmp/cpu.json" || return 1
  grep -q '"status":"ok"' "$tmp/cpu.json" || return 1
  COEXEC_OPENCL_LIB=/nonexistent/libOpenCL.so "$E" bench --layer linear --N 7 --K 9 --ratio 0.5 --min-samples 2 >"$tmp/gpu.json" || return 1
  grep -q '"status":"error","reason":"no OpenCL device: no usable OpenCL library' "$tmp/gpu.json"
}
check "no OpenCL: info says why, CPU-only job runs, GPU job is an error record" no_opencl

no_match() {  # a selector matching no device: GPU jobs are error records that say what was found
  "$E" bench --layer linear --N 7 --K 9 --ratio 0.5 --device-type gpu --device no-such-device --min-samples 1 >"$tmp/nm.json" || return 1
  grep -q '"status":"error","reason":"no OpenCL device: no OpenCL device matches deviceType \\"gpu\\"' "$tmp/nm.json"
}
check "device selector matching nothing -> error record naming the selector" no_match

# --- correctness sweep --------------------------------------------------------------------------------
"$T" sweep "$tmp/sweep.json" >/dev/null
"$E" run "$tmp/sweep.json" --out "$tmp/sweep.jsonl" 2>"$tmp/sweep.err"
rc=$?
[ $rc -eq 0 ] && pass "sweep: run exits 0" || { fail "sweep: run exits 0 (got $rc)"; tail -n 5 "$tmp/sweep.err"; }
"$T" check "$tmp/sweep.json" "$tmp/sweep.jsonl" >"$tmp/sweep.check"
grep '^FAIL' "$tmp/sweep.check"
read -r p f < <(sed -n 's/^COUNTS //p' "$tmp/sweep.check")
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
echo "sweep: ${p:-0} jobs passed, ${f:-1} failed (CPU impls, GPU variants x work-groups x splits 0/0.37/1, 5 syncs, round trips)"

# The same mechanisms through the other host-memory path: PoCL is host-unified, so the sweep above ran
# finish / event-poll zero-copy; here they copy through pinned buffers (the discrete-GPU path), with the
# GPU-driver thread pinned to core 1 and the CPU slice on core 0.
grep -q '"hostMemory":"zero-copy"' "$tmp/sweep.jsonl" && pass "sweep: finish / event-poll zero-copy on PoCL" ||
  fail "sweep: finish / event-poll zero-copy on PoCL"
"$T" sweep "$tmp/pinned.json" --small >/dev/null
sed -i 's/"cpuAffinity":\[\]/"cpuAffinity":[0],"driverCore":1/' "$tmp/pinned.json"
COEXEC_HOST_MEMORY=pinned-copy "$E" run "$tmp/pinned.json" --out "$tmp/pinned.jsonl" 2>"$tmp/pinned.err" ||
  fail "pinned-copy sweep: run exits 0"
"$T" check "$tmp/pinned.json" "$tmp/pinned.jsonl" >"$tmp/pinned.check"
grep '^FAIL' "$tmp/pinned.check"
read -r p f < <(sed -n 's/^COUNTS //p' "$tmp/pinned.check")
[ "${f:-1}" -eq 0 ] && grep -q '"hostMemory":"pinned-copy"' "$tmp/pinned.jsonl" && ! grep -q '"hostMemory":"zero-copy"' "$tmp/pinned.jsonl" &&
  grep -q '"driverCore":1' "$tmp/pinned.jsonl" && pass "pinned-copy sweep, driver thread on core 1: ${p:-0} jobs correct" ||
  fail "pinned-copy sweep: ${f:-1} jobs wrong"

# Parking the CPU pool after each slice (resolved.parkCpuPool): only when the CPU OpenCL device may compute on
# the pool's cores. A plan whose deviceCores are disjoint from cpuAffinity keeps the pool spinning; without
# deviceCores, or with an overlap, it parks. Three co-executed jobs, correct either way.
park_plan() {  # DEVICE_CORES_FIELD OUT (PoCL limited to one worker: deviceCores [1] must hold all of them)
  printf '{"schemaVersion": 1, "planId": "park", "device": {"deviceType": "cpu"}, "cpuAffinity": [0], "driverCore": 1%s, "jobs": [{"id": "park-job", "kind": "layer", "layer": {"type": "linear", "M": 1, "N": 64, "K": 32}, "strategy": {"splitRatio": 0.5, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "svm-fine"}, "warmup": 1, "minSamples": 5, "maxSamples": 5}]}' "$1" >"$tmp/park.json"
  POCL_MAX_PTHREAD_COUNT=1 POCL_CPU_MAX_CU_NUM=1 "$E" run "$tmp/park.json" --out "$2" 2>>"$tmp/park.err"
}
park_plan ', "deviceCores": [1]' "$tmp/park-disjoint.jsonl"
park_plan '' "$tmp/park-unknown.jsonl"
park_plan ', "deviceCores": [0, 1]' "$tmp/park-overlap.jsonl"
grep -q '"parkCpuPool":false' "$tmp/park-disjoint.jsonl" && grep -q '"parkCpuPool":true' "$tmp/park-unknown.jsonl" &&
  grep -q '"parkCpuPool":true' "$tmp/park-overlap.jsonl" &&
  [ "$(grep -c '"passed":true' "$tmp/park-disjoint.jsonl" "$tmp/park-unknown.jsonl" "$tmp/park-overlap.jsonl" | awk -F: '{s+=$2} END {print s}')" -eq 3 ] &&
  pass "CPU pool parks only when the CPU device may use its cores (deviceCores)" ||
  fail "deviceCores / parkCpuPool: $(cat "$tmp/park-"*.jsonl "$tmp/park.err" 2>/dev/null | head -c 600)"

# The driver thread watches a host-waited GPU side's end (Executor, resolved.gpuDoneWatched) only where its core
# is its own: neither the pool's nor the device's. COEXEC_WATCH_GPU_DONE=0 turns it off, =1 on, anything else is
# refused. Watched or not, the job is correct, and no GPU side ends after the execution; svm-resident's host-clock
# timestamps keep their shape with the watch (its kernel end is the watcher's when that was earlier).
watch_plan() {  # AFFINITY DRIVER OUT [SYNC]
  printf '{"schemaVersion": 1, "planId": "watch", "device": {"deviceType": "cpu"}, "cpuAffinity": [%s], "driverCore": %s, "deviceCores": [1], "jobs": [{"id": "watch-job", "kind": "layer", "layer": {"type": "linear", "M": 1, "N": 64, "K": 32}, "strategy": {"splitRatio": 0.75, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "%s"}, "warmup": 1, "minSamples": 8, "maxSamples": 8}]}' "$1" "$2" "${4:-svm-fine}" >"$tmp/watch.json"
  POCL_MAX_PTHREAD_COUNT=1 POCL_CPU_MAX_CU_NUM=1 POCL_AFFINITY=1 "$E" run "$tmp/watch.json" --out "$3" 2>>"$tmp/watch.err"
}
gpu_done_watch() {
  watch_plan 1 0 "$tmp/watch-own.jsonl" && grep -q '"gpuDoneWatched":true' "$tmp/watch-own.jsonl" &&
    watch_plan 0 1 "$tmp/watch-device.jsonl" && grep -q '"gpuDoneWatched":false' "$tmp/watch-device.jsonl" &&
    COEXEC_WATCH_GPU_DONE=0 watch_plan 1 0 "$tmp/watch-off.jsonl" && grep -q '"gpuDoneWatched":false' "$tmp/watch-off.jsonl" &&
    COEXEC_WATCH_GPU_DONE=1 watch_plan 1 0 "$tmp/watch-res.jsonl" svm-resident &&
    grep -q '"gpuDoneWatched":true' "$tmp/watch-res.jsonl" || { cat "$tmp"/watch-*.jsonl "$tmp/watch.err" | head -c 800; return 1; }
  [ "$(cat "$tmp"/watch-*.jsonl | grep -c '"passed":true')" -eq 4 ] || { echo "not every job checked"; return 1; }
  python3 - "$tmp"/watch-*.jsonl <<'PY' || return 1
import json, sys
for path in sys.argv[1:]:
    line = json.loads(open(path).readline())
    assert all(g <= t for g, t in zip(line["gpuSideNs"], line["samplesNs"])), (path, "a GPU side ends after the execution")
    for q, s, st, e in line.get("gpuTimestampsNs", []):
        if line["strategy"]["sync"] == "svm-resident": assert q == s == st <= e, (path, q, s, st, e)
PY
  COEXEC_WATCH_GPU_DONE=yes watch_plan 1 0 "$tmp/watch-bad.jsonl"
  grep -q "COEXEC_WATCH_GPU_DONE must be 0 or 1, not 'yes'" "$tmp/watch-bad.jsonl" "$tmp/watch.err" ||
    { echo "bad COEXEC_WATCH_GPU_DONE not refused: $(head -c 400 "$tmp/watch-bad.jsonl")"; return 1; }
}
check "GPU-done watch: on only where the driver core is its own (or forced), correct either way, a bad setting refused" gpu_done_watch

# A CPU OpenCL device with more compute units than deviceCores lists would run workers on other cores (PoCL 5.0
# ignored POCL_CPU_MAX_CU_NUM and put 16 workers on all 16 cores of pocl-split): the job is an error that
# names the fix, not a measurement of another arrangement.
park_plan ', "deviceCores": [1]' "$tmp/park-limited.jsonl"
sed 's/"planId": "park"/"planId": "wide"/' "$tmp/park.json" >"$tmp/wide.json"  # the plan park-limited just ran
"$E" run "$tmp/wide.json" --out "$tmp/wide.jsonl" 2>/dev/null
if [ "$(nproc)" -gt 1 ]; then
  grep -q '"status":"error".*compute units but the plan.s deviceCores lists 1 cores.*POCL_MAX_PTHREAD_COUNT' "$tmp/wide.jsonl" &&
    grep -q '"passed":true' "$tmp/park-limited.jsonl" &&
    pass "a CPU device with more workers than deviceCores is refused; limited to them it runs" ||
    fail "deviceCores vs compute units: $(head -c 400 "$tmp/wide.jsonl")"
fi

# The double reference is computed once per layer and seed in a process (job.cpp CachedReference): jobs of
# one layer with two seeds, interleaved, each checked against its own data (a reference reused across seeds
# would fail the second seed's check), and the repeat of the first seed reads the same error.
printf '{"schemaVersion": 1, "planId": "refcache", "device": {"deviceType": "cpu"}, "cpuAffinity": [], "jobs": [%s]}' "$(
  for s in 1 2 1; do printf '%s{"id": "rc-%s-%s", "kind": "layer", "seed": %s, "layer": {"type": "linear", "M": 2, "N": 48, "K": 40}, "strategy": {"splitRatio": 1, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "finish"}, "warmup": 0, "minSamples": 2, "maxSamples": 2}' "${sep:-}" "$s" "$RANDOM" "$s"; sep=,; done)" >"$tmp/refcache.json"
"$E" run "$tmp/refcache.json" --out "$tmp/refcache.jsonl" 2>/dev/null
errs=$(grep -o '"maxAbsErr":[^,]*' "$tmp/refcache.jsonl" | tr '\n' ' ')
[ "$(grep -c '"passed":true' "$tmp/refcache.jsonl")" -eq 3 ] && [ "$(echo "$errs" | awk '{print ($1 == $3)}')" -eq 1 ] &&
  pass "double reference cached per layer and seed: two seeds interleaved, each checked against its own data" ||
  fail "reference cache: $(head -c 600 "$tmp/refcache.jsonl")"

# keepDeviceCoresAwake (awake_cores.h): a job that uses the device runs idle-priority spinners on deviceCores but
# never on the driver core, recorded as resolved.awakeCores; a CPU-only job starts none; without deviceCores the
# plan is refused with the field named. The co-executed job stays correct with the spinners beside PoCL's worker.
park_plan ', "deviceCores": [1], "keepDeviceCoresAwake": true' "$tmp/awake-driver.jsonl"  # driver core 1: no spinner
sed 's/, "driverCore": 1//; s/"planId": "park"/"planId": "awake"/' "$tmp/park.json" >"$tmp/awake.json"
POCL_MAX_PTHREAD_COUNT=1 POCL_CPU_MAX_CU_NUM=1 "$E" run "$tmp/awake.json" --out "$tmp/awake.jsonl" 2>/dev/null
sed 's/"splitRatio": 0.5/"splitRatio": 1.0/; s/"planId": "park"/"planId": "awake-cpu"/' "$tmp/park.json" >"$tmp/awake-cpu.json"
"$E" run "$tmp/awake-cpu.json" --out "$tmp/awake-cpu.jsonl" 2>/dev/null
sed 's/, "keepDeviceCoresAwake": true//; s/, "deviceCores": \[1\]/, "keepDeviceCoresAwake": true/' "$tmp/park.json" >"$tmp/awake-bad.json"
"$E" run "$tmp/awake-bad.json" --out "$tmp/awake-bad.jsonl" 2>"$tmp/awake-bad.err"; awake_bad_rc=$?
grep -q '"awakeCores":\[1\]' "$tmp/awake.jsonl" && grep -q '"passed":true' "$tmp/awake.jsonl" &&
  grep -q '"awakeCores":\[\]' "$tmp/awake-driver.jsonl" && grep -q '"passed":true' "$tmp/awake-driver.jsonl" &&
  grep -q '"passed":true' "$tmp/awake-cpu.jsonl" && ! grep -q 'awakeCores' "$tmp/awake-cpu.jsonl" &&
  [ "$awake_bad_rc" -ne 0 ] && grep -q 'keepDeviceCoresAwake.*needs deviceCores' "$tmp/awake-bad.err" &&
  pass "keepDeviceCoresAwake: spinners on the device's cores (not the driver's) for GPU jobs only; refused without deviceCores" ||
  fail "keepDeviceCoresAwake: $(head -c 400 "$tmp/awake.jsonl" "$tmp/awake-driver.jsonl" "$tmp/awake-cpu.jsonl" "$tmp/awake-bad.err" 2>/dev/null)"

# Submission (command_buffer.h): PoCL has cl_khr_command_buffer, so the sweeps above replayed command buffers
# (COEXEC_GPU_SUBMIT=auto, exported at the top; the engine's default is calls); the calls path keeps its own
# small sweep through both host-memory paths.
submit_default() {
  grep -q '"sync":"finish".*"gpuSubmit":"command-buffer"' "$tmp/sweep.jsonl" &&
    grep -q '"sync":"svm-coarse".*"gpuSubmit":"command-buffer"' "$tmp/sweep.jsonl" &&
    grep -q '"hostMemory":"pinned-copy","gpuSubmit":"command-buffer"' "$tmp/pinned.jsonl" &&
    grep -q '"hostMemory":"svm-fine-shared","gpuSubmit":"calls"' "$tmp/sweep.jsonl" &&
    grep -q '"gpuSubmit":"none"' "$tmp/sweep.jsonl"
}
check "sweeps: finish / event-poll / svm-coarse replay command buffers on PoCL (auto), svm-fine issues calls" submit_default
# Outer splits (height, M) move only the GPU's share of X and Y: under auto the pinned-copy replay records
# exactly those copies (rectangular over channel planes / images), with no fallback note, and the sweep's
# checks above prove each such job's output.
submit_outer() {
  grep -q '"splitDim":"height".*"hostMemory":"pinned-copy","gpuSubmit":"command-buffer"}' "$tmp/pinned.jsonl" &&
    grep -q '"splitDim":"m".*"hostMemory":"pinned-copy","gpuSubmit":"command-buffer"}' "$tmp/pinned.jsonl" &&
    grep -q '"splitDim":"height".*"hostMemory":"svm-coarse-map","gpuSubmit":"command-buffer"' "$tmp/sweep.jsonl" &&
    ! grep -q '"splitDim":"\(height\|m\)".*"gpuSubmitNote":"the copies of the GPU' "$tmp/pinned.jsonl"
}
check "sweeps: height / M splits replay the GPU's share of X and Y as recorded copies (pinned-copy, auto)" submit_outer
"$T" sweep "$tmp/calls.json" --small >/dev/null
for hm in zero-copy pinned-copy; do
  COEXEC_GPU_SUBMIT=calls COEXEC_HOST_MEMORY=$hm "$E" run "$tmp/calls.json" --out "$tmp/calls-$hm.jsonl" 2>"$tmp/calls.err" ||
    fail "calls sweep ($hm): run exits 0"
  "$T" check "$tmp/calls.json" "$tmp/calls-$hm.jsonl" >"$tmp/calls.check"
  grep '^FAIL' "$tmp/calls.check"
  read -r p f < <(sed -n 's/^COUNTS //p' "$tmp/calls.check")
  [ "${f:-1}" -eq 0 ] && ! grep -q '"gpuSubmit":"command-buffer"' "$tmp/calls-$hm.jsonl" && grep -q '"gpuSubmit":"calls"' "$tmp/calls-$hm.jsonl" &&
    pass "COEXEC_GPU_SUBMIT=calls sweep ($hm): ${p:-0} jobs correct, none replayed" || fail "calls sweep ($hm): ${f:-1} jobs wrong"
done

# Pinned-copy on a device whose copies disagree with the job-long mappings (forced by a test hook): the
# replay holds the kernels alone, the write of X and the read-back stay calls, and every job is still right.
COEXEC_TEST_MAPPED_COPIES_STALE=1 COEXEC_HOST_MEMORY=pinned-copy "$E" run "$tmp/calls.json" --out "$tmp/stale.jsonl" 2>"$tmp/stale.err" ||
  fail "stale-mapping sweep: run exits 0"
"$T" check "$tmp/calls.json" "$tmp/stale.jsonl" >"$tmp/stale.check"
grep '^FAIL' "$tmp/stale.check"
read -r p f < <(sed -n 's/^COUNTS //p' "$tmp/stale.check")
[ "${f:-1}" -eq 0 ] && grep -q '"gpuSubmit":"command-buffer","gpuSubmitNote":"X: stale by COEXEC_TEST_MAPPED_COPIES_STALE; the write of X and the read-back stay calls' "$tmp/stale.jsonl" &&
  pass "pinned-copy with copies that disagree with the mappings: kernels-only replays, ${p:-0} jobs correct" ||
  fail "stale-mapping sweep: ${f:-1} jobs wrong or no note"

# Pinned-copy on a device that refuses to record the copies of the GPU's share (forced by a test hook): the
# write of X and the read-back of the share stay calls around a kernels-only replay, the note says why, and
# every job of every split dimension is still right.
COEXEC_TEST_SHARE_COPIES_UNRECORDABLE=1 COEXEC_HOST_MEMORY=pinned-copy "$E" run "$tmp/calls.json" --out "$tmp/unrec.jsonl" 2>"$tmp/unrec.err" ||
  fail "unrecordable-copies sweep: run exits 0"
"$T" check "$tmp/calls.json" "$tmp/unrec.jsonl" >"$tmp/unrec.check"
grep '^FAIL' "$tmp/unrec.check"
read -r p f < <(sed -n 's/^COUNTS //p' "$tmp/unrec.check")
[ "${f:-1}" -eq 0 ] &&
  grep -q '"splitDim":"height".*"gpuSubmit":"command-buffer","gpuSubmitNote":"the copies of the GPU.s share of X and Y cannot be recorded: refused by COEXEC_TEST_SHARE_COPIES_UNRECORDABLE; the write of X and the read-back stay calls' "$tmp/unrec.jsonl" &&
  grep -q '"splitDim":"m".*"gpuSubmit":"command-buffer","gpuSubmitNote":"the copies of the GPU.s share' "$tmp/unrec.jsonl" &&
  pass "pinned-copy where the share's copies cannot be recorded: kernels-only replays, ${p:-0} jobs correct" ||
  fail "unrecordable-copies sweep: ${f:-1} jobs wrong or no note"

# gpuStreams (sync_streams.cpp): chunk counts 1..5 over linear M = 1 / 7 / 64 and convs with stride 2, padding,
# R != S, batch 2, a 1x1 and overlapping halos, GPU-only, channel and outer splits, finish and event-poll, each
# checked against the double reference out of a NaN-poisoned output (so every chunk wrote its rows), with
# resolved.gpuStreams = min(k, the share's outer rows) (M = 1 clamps to 1, noted).
"$T" streams "$tmp/streams.json" >/dev/null
COEXEC_HOST_MEMORY=pinned-copy "$E" run "$tmp/streams.json" --out "$tmp/streams.jsonl" 2>"$tmp/streams.err" ||
  fail "gpuStreams sweep: run exits 0"
"$T" check "$tmp/streams.json" "$tmp/streams.jsonl" >"$tmp/streams.check"
grep '^FAIL' "$tmp/streams.check"
read -r p f < <(sed -n 's/^COUNTS //p' "$tmp/streams.check")
[ "${f:-1}" -eq 0 ] && grep -q 'M:7/.*/r:0.00/.*"gpuStreams":5,"gpuChunkRows":\[2,2,1,1,1\]' "$tmp/streams.jsonl" &&
  grep -q 'M:1/.*"gpuStreams":1,.*' "$tmp/streams.jsonl" &&
  grep -q '"gpuStreamsNote":"gpuStreams 5 clamped to 1: the GPU.s share has 1 outer rows' "$tmp/streams.jsonl" &&
  grep -q 'streams:4".*"gpuSubmit":"calls","gpuSubmitNote":"gpuStreams > 1: each chunk' "$tmp/streams.jsonl" &&
  pass "gpuStreams 1..5: ${p:-0} jobs correct on every chunk count, split and mechanism; M = 1 clamps to one stream" ||
  fail "gpuStreams sweep: ${f:-1} jobs wrong"
streams_ids_and_refusals() {
  # k = 1 is the single-queue job itself (same id, no note); k > 1 names itself in the id.
  "$E" bench --layer linear --M 4 --N 9 --K 5 --streams 1 --min-samples 1 --min-time-ms 0 >"$tmp/s1.json" || return 1
  grep -q '"jobId":"linear/M:4/N:9/K:5/r:0.00/t:1/cpu:simd/gpu:gemv_row-wg64/sync:finish"' "$tmp/s1.json" &&
    grep -q '"gpuStreams":1' "$tmp/s1.json" && ! grep -q gpuStreamsNote "$tmp/s1.json" || return 1
  # a zero-copy device has no copies to overlap: skipped with the reason
  COEXEC_HOST_MEMORY=zero-copy "$E" bench --layer linear --M 4 --N 9 --K 5 --streams 2 --min-samples 1 --min-time-ms 0 >"$tmp/s2.json" || return 1
  grep -q '"jobId":"linear/M:4/N:9/K:5/r:0.00/t:1/cpu:simd/gpu:gemv_row-wg64/sync:finish/streams:2"' "$tmp/s2.json" &&
    grep -q '"status":"skipped","reason":"gpuStreams 2: the device works in host memory (zero-copy)' "$tmp/s2.json" || return 1
  # a CPU-only job ignores the knob
  "$E" bench --layer linear --M 4 --N 9 --K 5 --ratio 1 --streams 3 --min-samples 1 --min-time-ms 0 >"$tmp/s3.json" || return 1
  grep -q '"status":"ok"' "$tmp/s3.json" && grep -q '"gpuStreams":0' "$tmp/s3.json"
}
check "gpuStreams: 1 keeps the job id; zero-copy skips with the reason; CPU-only jobs record 0" streams_ids_and_refusals

submit_default_is_calls() {  # measured on the GPU host: no command buffers on NVIDIA, slower replays on PoCL 5
  env -u COEXEC_GPU_SUBMIT "$E" bench --layer linear --N 33 --K 17 --ratio 0.5 --min-samples 2 --min-time-ms 0 >"$tmp/dc.json" || return 1
  grep -q '"status":"ok"' "$tmp/dc.json" && grep -q '"gpuSubmit":"calls"' "$tmp/dc.json" && ! grep -q '"gpuSubmitNote"' "$tmp/dc.json"
}
check "COEXEC_GPU_SUBMIT unset: the GPU side issues calls" submit_default_is_calls

submit_refusals() {  # versions the engine does not know, or a device without the extension
  local flags=(bench --layer linear --N 33 --K 17 --ratio 0.5 --min-samples 2 --min-time-ms 0)
  COEXEC_TEST_COMMAND_BUFFER_VERSION=2.0.0 "$E" "${flags[@]}" >"$tmp/v.json" || return 1
  grep -q '"status":"ok"' "$tmp/v.json" && grep -q '"gpuSubmit":"calls","gpuSubmitNote":"cl_khr_command_buffer 2.0.0 is a version this engine does not know' "$tmp/v.json" || return 1
  COEXEC_TEST_COMMAND_BUFFER_VERSION=none "$E" "${flags[@]}" >"$tmp/v.json" || return 1
  grep -q '"gpuSubmit":"calls","gpuSubmitNote":"the device lacks cl_khr_command_buffer"' "$tmp/v.json" || return 1
  COEXEC_GPU_SUBMIT=command-buffer COEXEC_TEST_COMMAND_BUFFER_VERSION=0.8.0 "$E" "${flags[@]}" >"$tmp/v.json" || return 1
  grep -q '"status":"error","reason":"COEXEC_GPU_SUBMIT=command-buffer: cl_khr_command_buffer 0.8.0 is a version' "$tmp/v.json" || return 1
  COEXEC_GPU_SUBMIT=graphs "$E" "${flags[@]}" >"$tmp/v.json" || return 1
  grep -q '"status":"error","reason":"COEXEC_GPU_SUBMIT: unknown value \\"graphs\\" (expected auto|calls|command-buffer)"' "$tmp/v.json"
}
check "submission: unknown versions and a missing extension fall back to calls with the reason; forcing them is an error" submit_refusals

# Queues (gpu.h TimedQueue): the timed executions run on a queue without profiling, the profiled executions
# (the GPU timestamps) on a second, profiling queue of the same context. The sweeps above ran that default
# and their checks proved every job's output and its timestamps; COEXEC_TIMED_QUEUE=profiling keeps the old
# arrangement (one profiling queue for both) to be measured beside it.
timed_queue_default() {
  grep -q '"sync":"finish".*"timedQueue":"plain"' "$tmp/sweep.jsonl" && grep -q '"timedQueue":"plain"' "$tmp/pinned.jsonl" &&
    grep -q '"timedQueue":"none"' "$tmp/sweep.jsonl" && ! grep -q '"timedQueue":"profiling"' "$tmp/sweep.jsonl" "$tmp/pinned.jsonl"
}
check "sweeps: timed executions on the plain queue (resolved.timedQueue), CPU-only jobs on none" timed_queue_default
# Each mechanism through each submit path on the plain queue: the output checked, 30 profiled timestamps
# in order, the queue recorded; svm-fine has no replay (calls only).
timed_queue_mechanisms() {
  local s sub n
  for s in finish event-poll svm-coarse svm-fine; do for sub in calls command-buffer; do
    [ "$s" = svm-fine ] && [ "$sub" = command-buffer ] && continue
    for hm in zero-copy pinned-copy; do
      COEXEC_HOST_MEMORY=$hm COEXEC_GPU_SUBMIT=$sub "$E" bench --layer conv2d --C 3 --H 9 --W 7 --F 8 --R 3 --S 2 --ratio 0.5 \
        --gpu conv_direct --sync $s --min-samples 40 --min-time-ms 0 >"$tmp/tq.json" || return 1
      grep -q '"status":"ok"' "$tmp/tq.json" && grep -q '"passed":true' "$tmp/tq.json" &&
        grep -q "\"timedQueue\":\"plain\",\"hostMemory\":\"[a-z-]*\",\"gpuSubmit\":\"$sub\"" "$tmp/tq.json" ||
        { echo "$s/$sub/$hm: $(head -c 600 "$tmp/tq.json")"; return 1; }
      n=$(grep -o '"gpuTimestampsNs":\[\[[0-9,]*\]\(,\[[0-9,]*\]\)*\]' "$tmp/tq.json" | grep -o '\[[0-9]*,[0-9]*,[0-9]*,[0-9]*\]' | wc -l)
      [ "$n" -eq 30 ] || { echo "$s/$sub/$hm: $n timestamp rows, want 30"; return 1; }
    done
  done; done
}
check "plain timed queue: every mechanism and submit path correct, profiled timestamps come back" timed_queue_mechanisms
# svm-resident (sync_svm_resident.cpp) as local-split runs it: PoCL with one worker, the CPU slice on core 1.
# Linear and conv kernels, split along the features / channels and along M / the height, GPU only and
# co-executed: the output checked, "resident" submission, 30 profiled rows from the host clock (dispatch 0).
resident_split_cores() {
  local args
  while read -r args; do
    POCL_MAX_PTHREAD_COUNT=1 POCL_AFFINITY=1 "$E" bench $args --threads 1 --cores 1 --sync svm-resident \
      --min-samples 40 --min-time-ms 0 >"$tmp/res.json" 2>/dev/null || return 1
    grep -q '"status":"ok"' "$tmp/res.json" && grep -q '"passed":true' "$tmp/res.json" &&
      grep -q '"hostMemory":"svm-fine-shared","gpuSubmit":"resident"' "$tmp/res.json" ||
      { echo "$args: $(head -c 600 "$tmp/res.json")"; return 1; }
    python3 - "$tmp/res.json" <<'PY' || { echo "$args: timestamps"; return 1; }
import json, sys
rows = json.loads(open(sys.argv[1]).readline())["gpuTimestampsNs"]
assert len(rows) == 30 and all(q == s == st <= e for q, s, st, e in rows), rows[:3]
PY
  done <<'ARGS'
--layer linear --M 1 --N 768 --K 768 --ratio 0.5 --gpu linear_reg_v16x2_m1 --wg 1
--layer linear --M 1 --N 77 --K 53 --ratio 0 --gpu gemv_row --wg 8
--layer linear --M 9 --N 48 --K 33 --ratio 0.37 --split-dim m --gpu gemm_tiled --wg 4
--layer linear --M 5 --N 70 --K 128 --ratio 0.25 --gpu gemm_local_32x32x16_4x4 --wg 1
--layer conv2d --C 3 --H 11 --W 9 --F 13 --R 3 --S 2 --ratio 0.37 --gpu conv_reg_v8_q4 --wg 2
--layer conv2d --batch 2 --C 4 --H 7 --W 7 --F 7 --R 3 --S 3 --stride-h 2 --stride-w 2 --pad-h 1 --pad-w 1 --ratio 0.37 --split-dim height --gpu conv_direct --wg 8
--layer conv2d --C 6 --H 9 --W 10 --F 32 --R 2 --S 3 --pad-w 1 --ratio 0 --gpu conv_local_16x64x16_2x4 --wg 1
ARGS
}
check "svm-resident on separate cores: linear and conv, both split dimensions, checked; resident submission, host-clock timestamps" resident_split_cores
# More resident work-groups than the device runs at once would wait forever: the handshake reports it, a
# later resident job on the same device fails at once with that reason (no second 5 s wait), and another
# mechanism still runs.
resident_handshake() {
  local job='{"id": "%s", "kind": "layer", "layer": {"type": "linear", "M": 1, "N": %s, "K": 32}, "strategy": {"splitRatio": 0, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 1, "sync": "%s"}, "warmup": 1, "minSamples": 3, "maxSamples": 3}'
  { printf '{"schemaVersion": 1, "planId": "hs", "device": {"deviceType": "cpu"}, "jobs": ['
    printf "$job, $job, $job" a 64 svm-resident b 96 svm-resident c 96 svm-fine; printf ']}'; } >"$tmp/hs.json"
  local t0=$SECONDS
  COEXEC_RESIDENT_GROUPS=8 POCL_MAX_PTHREAD_COUNT=1 timeout 60 "$E" run "$tmp/hs.json" --out "$tmp/hs.jsonl" 2>/dev/null
  [ $((SECONDS - t0)) -lt 10 ] || { echo "took $((SECONDS - t0)) s: the second resident job waited again"; return 1; }
  sed -n 1p "$tmp/hs.jsonl" | grep -q '"status":"error","reason":"svm-resident: 1 of 8 resident work-groups answered within 5 s' &&
    sed -n 2p "$tmp/hs.jsonl" | grep -q '"status":"error".*an earlier job.s handshake on this device; not retried' &&
    sed -n 3p "$tmp/hs.jsonl" | grep -q '"status":"ok"'
}
check "svm-resident: too many resident work-groups end in an error after the 5 s handshake (once per device), not a hang" resident_handshake
# The resident deal (native/kernels/common.cl): with more PoCL workers than cores, some physical groups fall
# behind and the others claim their left-over virtual groups (the default, steal); static keeps each group's
# fixed chunk. Both must give the checked output, say which deal they built, and a bad value must be refused.
resident_deals() {
  local args deal
  for deal in steal static; do
    while read -r args; do
      COEXEC_RESIDENT_DEAL=$deal POCL_MAX_PTHREAD_COUNT=3 timeout 120 "$E" bench $args --sync svm-resident \
        --min-samples 20 --min-time-ms 0 >"$tmp/deal.json" 2>/dev/null || return 1
      grep -q '"status":"ok"' "$tmp/deal.json" && grep -q '"passed":true' "$tmp/deal.json" ||
        { echo "$deal $args: $(head -c 600 "$tmp/deal.json")"; return 1; }
      if [ "$deal" = steal ]; then grep -q -- '-DCOEXEC_RESIDENT -DCOEXEC_RESIDENT_STEAL' "$tmp/deal.json"
      else ! grep -q -- 'COEXEC_RESIDENT_STEAL' "$tmp/deal.json"; fi || { echo "$deal $args: build options"; return 1; }
    done <<'ARGS'
--layer linear --M 1 --N 768 --K 768 --ratio 0 --gpu linear_reg_v16x2_m1 --wg 1
--layer linear --M 9 --N 200 --K 33 --ratio 0.3 --split-dim m --gpu gemm_tiled --wg 4 --threads 1 --cores 1
--layer conv2d --batch 2 --C 4 --H 13 --W 7 --F 7 --R 3 --S 3 --stride-h 2 --pad-h 1 --pad-w 1 --ratio 0 --gpu conv_direct --wg 8
--layer conv2d --C 6 --H 9 --W 10 --F 32 --R 2 --S 3 --pad-w 1 --ratio 0 --gpu conv_local_16x64x16_2x4 --wg 1
ARGS
  done
  COEXEC_RESIDENT_DEAL=dynamic "$E" bench --layer linear --M 1 --N 64 --K 32 --ratio 0 --gpu gemv_row --wg 1 \
    --sync svm-resident --min-samples 3 --min-time-ms 0 2>/dev/null |
    grep -q '"status":"error".*COEXEC_RESIDENT_DEAL must be static or steal, got dynamic'
}
check "svm-resident deals: stealing and static both checked with more workers than cores; a bad COEXEC_RESIDENT_DEAL refused" resident_deals
timed_queue_profiling() {  # the old arrangement still runs every job of the small sweep correctly (auto: replays)
  COEXEC_TIMED_QUEUE=profiling "$E" run "$tmp/calls.json" --out "$tmp/tqp.jsonl" 2>"$tmp/tqp.err" || return 1
  "$T" check "$tmp/calls.json" "$tmp/tqp.jsonl" >"$tmp/tqp.check"
  ! grep '^FAIL' "$tmp/tqp.check" && grep -q '"timedQueue":"profiling","hostMemory":"zero-copy","gpuSubmit":"command-buffer"' "$tmp/tqp.jsonl" &&
    ! grep -q '"timedQueue":"plain"' "$tmp/tqp.jsonl" || return 1
  COEXEC_TIMED_QUEUE=profiling "$E" bench --kind roundtrip --sync event-poll --min-samples 3 \
    --min-time-ms 0 >"$tmp/tqr.json" || return 1
  grep -q '"timedQueue":"profiling"' "$tmp/tqr.json" && grep -q '"passed":true' "$tmp/tqr.json"
}
check "COEXEC_TIMED_QUEUE=profiling: the old one-queue arrangement, small sweep correct" timed_queue_profiling
timed_queue_bad() {  # an unknown value is the job's error record, in one line
  COEXEC_TIMED_QUEUE=fast "$E" bench --layer linear --N 33 --K 17 --ratio 0.5 --min-samples 2 --min-time-ms 0 >"$tmp/tqb.json" || return 1
  grep -q '"status":"error","reason":"COEXEC_TIMED_QUEUE: unknown value \\"fast\\" (expected plain|profiling)"' "$tmp/tqb.json" || return 1
  # a CPU-only job never opens a queue: it runs
  COEXEC_TIMED_QUEUE=fast "$E" bench --layer linear --N 33 --K 17 --ratio 1 --min-samples 2 --min-time-ms 0 | grep -q '"status":"ok"'
}
check "COEXEC_TIMED_QUEUE with an unknown value: an error record naming the variable" timed_queue_bad

enqueue_bench() {  # the submit microbenchmark runs every sequence and every execution it checks is correct
  native/build/coexec-enqueue-bench --samples 6 --rounds 2 --warmup 1 --linear 1,96,40 --conv 3,9,7,8,3,2,1,1 \
    --out "$tmp/eb.json" || return 1
  python3 - "$tmp/eb.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["commandBufferOnEngineQueue"] == "supported", d["commandBufferOnEngineQueue"]
assert len(d["layers"]) == 2
for layer in d["layers"]:
    assert "error" not in layer, layer
    names = {s["name"] for s in layer["sequences"]}
    assert {"calls", "copy", "cmdbuf", "cmdbuf-kernels", "zero-copy", "zero-copy-cmdbuf"} <= names, names
    for s in layer["sequences"]:
        assert s["correct"] and s["checkedExecutions"] >= 6 and s["latencyUs"]["n"] == 6, s
PY
}
check "coexec-enqueue-bench: every submit sequence measured and checked correct on PoCL" enqueue_bench

cores_list() {  # issue 12 item 10: --cores takes a list (each core parsed on its own)
  "$E" bench --layer linear --N 33 --K 17 --ratio 0.5 --threads 2 --cores 0,1 --driver-core 1 --min-samples 2 \
    --min-time-ms 0 >"$tmp/cores.json" || return 1
  grep -q '"cpuCores":\[0,1\]' "$tmp/cores.json" && grep -q '"driverCore":1' "$tmp/cores.json" &&
    grep -q '"status":"ok"' "$tmp/cores.json"
}
check "bench --cores 0,1 --driver-core 1: both cores pinned, driver core recorded" cores_list

foreign_threads() {  # driver threads that inherited a wide mask are taken off the CPU slice's cores
  [ "$(nproc)" -ge 2 ] || return 0
  # No --driver-core: the device is opened by a thread that may run anywhere, so PoCL's threads start
  # with a mask that includes core 1, the CPU slice's core; the engine must move them off it.
  "$E" bench --layer linear --N 33 --K 17 --ratio 0.5 --threads 1 --cores 1 --min-samples 2 --min-time-ms 0 \
    >"$tmp/herd.json" || return 1
  grep -q '"status":"ok"' "$tmp/herd.json" && grep -q '"foreignThreads":{"moved":[1-9]' "$tmp/herd.json" || return 1
  # With the driver core given, the device is opened there and nothing is left to move.
  "$E" bench --layer linear --N 33 --K 17 --ratio 0.5 --threads 1 --cores 1 --driver-core 0 --min-samples 2 \
    --min-time-ms 0 >"$tmp/herd2.json" || return 1
  grep -q '"status":"ok"' "$tmp/herd2.json" && ! grep -q '"foreignThreads"' "$tmp/herd2.json"
}
check "driver threads off the CPU slice's cores (foreignThreads recorded)" foreign_threads

helper_threads() {  # OpenBLAS's workers are the CPU side's: kept on the CPU slice's cores, never herded off
  [ "$(nproc)" -ge 2 ] || return 0
  "$E" info >"$tmp/hinfo.json" || return 1
  grep -q '"openblas":true' "$tmp/hinfo.json" || { echo "OpenBLAS not available here: case not run"; return 0; }
  local strat='"cpuThreads": 1, "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "finish"'
  local conv='{"type": "conv2d", "batch": 1, "C": 4, "H": 9, "W": 9, "F": 6, "R": 3, "S": 3, "strideH": 1, "strideW": 1, "padH": 1, "padW": 1}'
  # Two CPU-only OpenBLAS jobs, then one co-executed beside PoCL (opened on the driver core).
  printf '{"schemaVersion": 1, "planId": "helpers", "device": {"deviceType": "cpu"}, "cpuAffinity": [1], "driverCore": 0, "jobs": [
    {"id": "blas-linear", "kind": "layer", "layer": {"type": "linear", "M": 1, "N": 96, "K": 64}, "strategy": {"splitRatio": 1, "cpuImpl": "openblas", %s}, "warmup": 1, "minSamples": 3, "maxSamples": 3},
    {"id": "blas-conv", "kind": "layer", "layer": %s, "strategy": {"splitRatio": 1, "cpuImpl": "openblas-im2col", "cpuThreads": 1, "gpuVariant": "none", "gpuWorkGroup": 8, "sync": "finish"}, "warmup": 1, "minSamples": 3, "maxSamples": 3},
    {"id": "blas-coexec", "kind": "layer", "layer": {"type": "linear", "M": 1, "N": 96, "K": 64}, "strategy": {"splitRatio": 0.5, "cpuImpl": "openblas", %s}, "warmup": 1, "minSamples": 3, "maxSamples": 3}]}' \
    "$strat" "$conv" "$strat" >"$tmp/helpers.json"
  "$E" run "$tmp/helpers.json" --out "$tmp/helpers.jsonl" || return 1
  python3 - "$tmp/helpers.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, lines
for r in lines:
    assert r["status"] == "ok", (r["jobId"], r.get("reason"))
    assert "foreignThreads" not in r, (r["jobId"], r["foreignThreads"])
    h = r.get("helperThreads")
    assert h and h["count"] >= 1 and h["cores"] == [1], (r["jobId"], h)
PY
}
check "OpenBLAS's workers on the CPU slice's core 1 (helperThreads), not herded to the driver core" helper_threads

helper_own_core() {  # on a slice of two cores OpenBLAS's worker gets the core the caller is not pinned to
  [ "$(nproc)" -ge 2 ] || return 0
  grep -q '"openblas":true' "$tmp/hinfo.json" || { echo "OpenBLAS not available here: case not run"; return 0; }
  printf '{"schemaVersion": 1, "planId": "helper-core", "device": {"deviceType": "cpu"}, "cpuAffinity": [0, 1], "jobs": [
    {"id": "blas-2t", "kind": "layer", "layer": {"type": "linear", "M": 1, "N": 256, "K": 128}, "strategy": {"splitRatio": 1, "cpuImpl": "openblas", "cpuThreads": 2, "gpuVariant": "none", "gpuWorkGroup": 8, "sync": "finish"}, "warmup": 1, "minSamples": 3, "maxSamples": 3}]}' \
    >"$tmp/helper-core.json"
  "$E" run "$tmp/helper-core.json" --out "$tmp/helper-core.jsonl" || return 1
  python3 - "$tmp/helper-core.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["status"] == "ok", r.get("reason")
h = r.get("helperThreads")
assert h and h["count"] >= 1 and h["cores"] == [1], h
PY
}
check "OpenBLAS's worker pinned to the slice core the caller is not on (helperThreads)" helper_own_core

split_ids() {  # the default split dimension keeps the old id; another one is named in it and resolved
  "$E" bench --layer linear --M 4 --N 9 --K 5 --ratio 0.5 --split-dim n --min-samples 1 --min-time-ms 0 >"$tmp/sn.json" || return 1
  grep -q '"jobId":"linear/M:4/N:9/K:5/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:finish"' "$tmp/sn.json" &&
    grep -q '"splitDim":"n","cpuRows":5' "$tmp/sn.json" || return 1
  "$E" bench --layer linear --M 4 --N 9 --K 5 --ratio 0.5 --split-dim m --min-samples 1 --min-time-ms 0 >"$tmp/sm.json" || return 1
  grep -q '"jobId":"linear/M:4/N:9/K:5/r:0.50/split:m/t:1/cpu:simd/gpu:gemv_row-wg64/sync:finish"' "$tmp/sm.json" &&
    grep -q '"splitDim":"m","cpuRows":2,"gpuRows":2,"gpuInputFloats":10,"gpuOutputFloats":18' "$tmp/sm.json" &&
    grep -q '"passed":true' "$tmp/sm.json"
}
check "splitDim: default keeps the job id, \"m\" is named in it; only the GPU's rows of X and Y move" split_ids

copy_job() {  # plan kind "copy" (benchmarks): both directions and host memories, the data checked
  for d in host-to-device device-to-host; do for h in pinned pageable; do
    "$E" bench --kind copy --bytes 1000004 --direction $d --host-memory $h --min-samples 3 --min-time-ms 0 >"$tmp/copy.json" || return 1
    grep -q "\"jobId\":\"copy/$d/$h/bytes:1000004\",\"planId\":\"bench\",\"status\":\"ok\"" "$tmp/copy.json" &&
      grep -q '"passed":true' "$tmp/copy.json" || return 1
  done; done
}
check "bench --kind copy: host <-> device copies from pinned and pageable memory arrive intact" copy_job

copy_queues() {  # a copy cut into parts on several queues: every part arrives, the id names the queues
  for d in host-to-device device-to-host; do
    "$E" bench --kind copy --bytes 1048576 --direction $d --queues 4 --min-samples 3 --min-time-ms 0 >"$tmp/copyq.json" || return 1
    grep -q "\"jobId\":\"copy/$d/pinned/bytes:1048576/queues:4\"" "$tmp/copyq.json" && grep -q '"queues":4' "$tmp/copyq.json" &&
      grep -q '"passed":true' "$tmp/copyq.json" || return 1
  done
}
check "bench --kind copy --queues 4: the copy's four parts on four queues all arrive" copy_queues

copy_own_time() {  # a one-queue copy records its own profiling timestamps (the bus alone), ordered and non-empty
  "$E" bench --kind copy --bytes 1048576 --direction host-to-device --min-samples 3 --min-time-ms 0 >"$tmp/copyt.json" || return 1
  python3 - "$tmp/copyt.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ts = r["gpuTimestampsNs"]
assert ts and all(t[0] <= t[1] <= t[2] < t[3] for t in ts), ts
PY
}
check "bench --kind copy: one queue records the copy's own GPU timestamps" copy_own_time

bench_scripts_smoke() {  # the data-path benchmark with alternated rounds and the CPU-slice probe run end to end
  python3 native/bench/datapath_bench.py --engine "$E" --out "$tmp/dp" --samples 3 --rounds 2 --syncs finish \
    --workloads bert-base/attn-q-m1 --copy-mb 1 >/dev/null 2>&1 || return 1
  python3 native/bench/cpu_slice_probe.py --engine "$E" --out "$tmp/csp" --samples 3 --rounds 2 --cores "" \
    --workloads bert-base/attn-q-m1 >/dev/null 2>&1 || return 1
  python3 - "$tmp/dp/datapath.json" "$tmp/csp/cpu-slice-probe.json" <<'PY'
import json, sys
dp, probe = (json.load(open(p)) for p in sys.argv[1:3])
row = dp["layers"][0]
assert row["status"] == "ok" and len(row["rounds"]) == 2 and row["cpuSliceRatio"] is not None, row
pinned = [c for c in dp["copies"] if c["hostMemory"] == "pinned"]
assert pinned and all(c["gpuGbPerS"] > 0 for c in pinned), pinned
r = probe["rows"][0]
assert len(r["rounds"]) == 2 and r["ratio1"] and r["ratioHalf"], r
PY
}
check "bench scripts: datapath_bench --rounds and cpu_slice_probe produce their per-round figures" bench_scripts_smoke

event_poll_interval() {  # COEXEC_EVENT_POLL_US spaces event-poll's queries; the job stays correct and says so
  COEXEC_EVENT_POLL_US=3 "$E" bench --layer linear --M 2 --N 64 --K 32 --ratio 0.5 --sync event-poll --threads 1 \
    --min-samples 3 --min-time-ms 0 >"$tmp/poll.json" || return 1
  grep -q '"eventPollUs":3' "$tmp/poll.json" && grep -q '"passed":true' "$tmp/poll.json"
}
check "COEXEC_EVENT_POLL_US: event-poll with spaced status queries stays correct and is recorded" event_poll_interval

# The register-tiled kernels' GPU weight layout (k-major; a CPU device gets the tile-blocked one) on the
# same sweep subset: every register-tiled job of the small sweep, forced through the hook.
kmajor_sweep() {
  "$T" sweep "$tmp/km.json" --small >/dev/null || return 1
  grep -q '_reg_' "$tmp/km.json" || return 1
  COEXEC_TEST_PACK_KMAJOR=1 "$E" run "$tmp/km.json" --out "$tmp/km.jsonl" 2>/dev/null || return 1
  grep -q 'WP_BLOCKED=0' "$tmp/km.jsonl" && ! grep -q 'WP_BLOCKED=1' "$tmp/km.jsonl" || return 1
  "$T" check "$tmp/km.json" "$tmp/km.jsonl" >"$tmp/km.check"
  ! grep '^FAIL' "$tmp/km.check"
}
check "register-tiled variants with the GPU (k-major) weight layout: small sweep correct" kmajor_sweep

appended() {  # a second run appends, never truncates
  "$E" run "$tmp/small.json" --out "$tmp/append.jsonl" 2>/dev/null && "$E" run "$tmp/small.json" --out "$tmp/append.jsonl" 2>/dev/null || return 1
  [ "$(wc -l <"$tmp/append.jsonl")" -eq 2 ]
}
cat >"$tmp/small.json" <<'JSON'
{"schemaVersion": 1, "planId": "p", "jobs": [{"id": "j", "kind": "layer",
 "layer": {"type": "linear", "M": 1, "N": 5, "K": 3}, "strategy": {"splitRatio": 0.4, "cpuThreads": 1,
 "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 4, "sync": "finish"}, "minSamples": 1, "minTimeMs": 0}]}
JSON
check "run appends one line per job" appended

check_fails() {  # the check must be able to fail: a corrupted output element makes the job invalid
  COEXEC_TEST_CORRUPT=1 "$E" bench --layer linear --N 9 --K 5 --ratio 0.5 --min-samples 1 --min-time-ms 0 >"$tmp/bad.json" || return 1
  grep -q '"status":"invalid","reason":"wrong result: max abs error' "$tmp/bad.json"
}
check "a wrong output element -> status invalid with the error size" check_fails

bench_roundtrip() {
  "$E" bench --kind roundtrip --sync svm-fine --min-samples 3 --min-time-ms 0 >"$tmp/rt.json" &&
    grep -q '"jobId":"roundtrip/sync:svm-fine","planId":"bench","status":"ok"' "$tmp/rt.json" &&
    grep -q '"check":{"maxAbsErr":0,"maxRelErr":0,"tolerance":0,"passed":true}' "$tmp/rt.json"
}
check "bench --kind roundtrip: one checked round-trip line" bench_roundtrip

# --- stopping rule: targetMedianCiPct and the "stop" field ---------------------------------------------
# stop_case WANT_STOP WANT_SAMPLES BENCH_FLAGS...: the bench line says why it stopped and, unless
# WANT_SAMPLES is "-", has that many samples. The layer runs in tens of microseconds with nanosecond
# readings, so its middle order statistics never coincide and a 1e-9 % target cannot be met.
stop_case() {
  local want_stop="$1" want_n="$2"; shift 2
  "$E" bench --layer linear --N 256 --K 256 --ratio 0.5 --threads 1 --min-time-ms 0 "$@" >"$tmp/stop.json" || return 1
  grep -q "\"stop\":\"$want_stop\"" "$tmp/stop.json" || { grep -o '"stop":"[^"]*"' "$tmp/stop.json"; return 1; }
  [ "$want_n" = - ] && return 0
  local n
  n=$(sed 's/.*"samplesNs":\[\([^]]*\)\].*/\1/' "$tmp/stop.json" | tr ',' '\n' | wc -l)
  [ "$n" -eq "$want_n" ] || { echo "$n samples, want $want_n"; return 1; }
}
check "stop: no target -> min-met at minSamples" stop_case min-met 12 --min-samples 12
check "stop: loose CI target -> ci-target at minSamples" stop_case ci-target 12 --min-samples 12 --target-median-ci-pct 1000
check "stop: unreachable CI target -> max-samples" stop_case max-samples 40 --min-samples 5 --max-samples 40 --target-median-ci-pct 1e-9
check "stop: unreachable CI target -> max-time" stop_case max-time - --min-samples 5 --max-samples 100000 --max-time-ms 40 --target-median-ci-pct 1e-9
check "median CI: the engine's equals the harness's on fixed sample sets" "$T" median-ci
check "steal: /proc/stat's aggregate line parsed, steal share between two reads, unknown when no tick passed" "$T" steal
steal_fields() {
  # A job long enough for ticks to pass: its line carries the share and, beside it, the count of stolen ticks.
  "$E" bench --layer linear --N 256 --K 256 --ratio 1 --min-samples 50 --max-samples 100000 --min-time-ms 60 >"$tmp/steal.json" || return 1
  grep -q '"stealPct":[0-9.e+-]*,"stealTicks":[0-9]*}' "$tmp/steal.json"
}
check "steal: the result line has stealPct and stealTicks" steal_fields

npy_ok() {
  "$E" bench --layer linear --M 2 --N 5 --K 7 --ratio 0.4 --gpu gemm_tiled --wg 4 --sync svm-fine --min-samples 1 \
    --min-time-ms 0 --save-tensors "$tmp/npy" >/dev/null || return 1
  "$T" npy "$tmp/npy"
}
check "bench --save-tensors writes .npy v1.0 files that reproduce Y" npy_ok

# --- bad plans and bad flags: status 2, a message naming job and field, no output file -----------------
# The plan is assembled from pieces each case may replace: SV, EXTRA (top-level fields), RT (job 0),
# LAYER, STRAT (job 1's layer and strategy fields), JOBX (job 1's extra fields); RAW replaces everything.
bad_plan() {  # NAME EXPECTED_MESSAGE_PART
  local name="$1" want="$2" out="$tmp/bad-$RANDOM.jsonl"
  local rt=${RT:-'{"id": "ok-job", "kind": "roundtrip", "strategy": {"sync": "finish"}}'}
  local layer=${LAYER:-'{"type": "linear", "M": 1, "N": 8, "K": 8}'}
  local strat=${STRAT:-'"splitRatio": 0.5, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "finish"'}
  if [ -n "${RAW:-}" ]; then printf '%s' "$RAW" >"$tmp/bad.json"; else
    printf '{"schemaVersion": %s, "planId": "bad"%s, "jobs": [%s, {"id": "job-b", "kind": "layer", "layer": %s, "strategy": {%s}%s}]}' \
      "${SV:-1}" "${EXTRA:-}" "$rt" "$layer" "$strat" "${JOBX:-}" >"$tmp/bad.json"
  fi
  "$E" run "$tmp/bad.json" --out "$out" 2>"$tmp/bad.err"
  local rc=$?
  if [ $rc -eq 2 ] && [ ! -e "$out" ] && grep -qF -- "$want" "$tmp/bad.err" && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ]; then
    pass "bad plan: $name"
  else
    fail "bad plan: $name (exit $rc, output file $( [ -e "$out" ] && echo created || echo absent)): $(cat "$tmp/bad.err")"
  fi
}
S0='"splitRatio": 0.5, "cpuThreads": 1, "cpuImpl": "simd", "gpuWorkGroup": 8, "sync": "finish"'
STRAT="$S0, \"gpuVariant\": \"gemv_row\", \"tileSize\": 4" bad_plan "unknown strategy field" 'jobs[1] (id "job-b"): strategy: tileSize: unknown field'
LAYER='{"type": "linear", "M": 1, "N": "8", "K": 8}' bad_plan "wrong type" 'jobs[1] (id "job-b"): layer: N: must be an integer'
STRAT="$S0, \"gpuVariant\": \"gemv_fast\"" bad_plan "unknown variant" 'strategy: gpuVariant: unknown value "gemv_fast"'
STRAT="$S0, \"gpuVariant\": \"conv_direct\"" bad_plan "conv variant on a linear layer" 'unknown value "conv_direct"'
RT='{"id": "ok-job", "kind": "roundtrip", "strategy": {"sync": "spin"}}' bad_plan "unknown mechanism" 'jobs[0] (id "ok-job"): strategy: sync: unknown value "spin"'
STRAT='"splitRatio": 0.5, "cpuThreads": 1, "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "finish"' bad_plan "missing field" 'jobs[1] (id "job-b"): strategy: cpuImpl: missing'
STRAT='"splitRatio": 1.5, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "finish"' bad_plan "ratio out of range" 'splitRatio: 1.5 out of range'
STRAT='"splitRatio": 0.5, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 12, "sync": "finish"' bad_plan "work-group not a power of two" 'gpuWorkGroup: 12 is not a power of two'
EXTRA=', "jobz": []' bad_plan "unknown top-level field" 'plan: jobz: unknown field'
SV=2 bad_plan "schemaVersion" 'schemaVersion: 2 not supported'
JOBX=', "minSamples": 9, "maxSamples": 3' bad_plan "maxSamples < minSamples" 'maxSamples: smaller than minSamples'
JOBX=', "targetMedianCiPct": 0' bad_plan "targetMedianCiPct not > 0" 'jobs[1] (id "job-b"): targetMedianCiPct: 0 must be > 0'
JOBX=', "targetMedianCiPct": "5"' bad_plan "targetMedianCiPct not a number" 'jobs[1] (id "job-b"): targetMedianCiPct: must be a number'
RAW='{"schemaVersion": 1,' bad_plan "invalid JSON" 'JSON 1:'
RT='{"id": "ok-job", "kind": "copy", "copy": {"bytes": 0, "direction": "host-to-device"}}' bad_plan "copy of 0 bytes" 'jobs[0] (id "ok-job"): copy: bytes: 0 out of range'
RT='{"id": "ok-job", "kind": "copy", "copy": {"bytes": 1000, "direction": "host-to-device", "queues": 3}}' bad_plan "copy not cut into equal parts" 'copy: queues: bytes must split into `queues` equal parts of whole floats'
EXTRA=', "driverCore": -1' bad_plan "driverCore not a core" 'plan: driverCore: bad core number -1'
EXTRA=', "deviceCores": [-2]' bad_plan "deviceCores not cores" 'plan: deviceCores: bad core number -2'
LAYER='{"type": "conv2d", "batch": 1, "C": 1, "H": 2, "W": 5, "F": 2, "R": 5, "S": 1, "strideH": 1, "strideW": 1, "padH": 1, "padW": 0}' \
  STRAT='"splitRatio": 0.5, "cpuThreads": 1, "cpuImpl": "simd-direct", "gpuVariant": "conv_direct", "gpuWorkGroup": 8, "sync": "finish"' \
  bad_plan "conv filter larger than input" 'filter taller than the padded input'
STRAT='"splitRatio": 0.5, "cpuThreads": 0, "cpuImpl": "none", "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "finish"' \
  bad_plan "cpuImpl none with CPU rows" 'cpuImpl: the CPU gets 4 rows but has no implementation or threads'
STRAT="$S0, \"gpuVariant\": \"gemv_row\", \"gpuStreams\": 0" bad_plan "gpuStreams 0" 'jobs[1] (id "job-b"): strategy: gpuStreams: 0 out of range'
STRAT="$S0, \"gpuVariant\": \"gemv_row\", \"gpuStreams\": 1.5" bad_plan "gpuStreams not an integer" 'strategy: gpuStreams: must be an integer'
STRAT='"splitRatio": 0.5, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": "gemv_row", "gpuWorkGroup": 8, "sync": "svm-fine", "gpuStreams": 2' \
  bad_plan "gpuStreams on SVM" 'strategy: gpuStreams: 2 needs sync finish or event-poll'
STRAT="$S0, \"gpuVariant\": \"clblast\", \"gpuStreams\": 4" \
  bad_plan "gpuStreams with clblast" 'strategy: gpuStreams: 4 cannot be used with clblast'
# A split dimension that does not fit the layer names the field (issue 12: linear M = 1 along M).
STRAT="$S0, \"gpuVariant\": \"gemv_row\", \"splitDim\": \"m\"" \
  bad_plan "split along M with M = 1" 'jobs[1] (id "job-b"): strategy: splitDim: "m" splits along M, which is 1 on this layer'
STRAT="$S0, \"gpuVariant\": \"gemv_row\", \"splitDim\": \"height\"" \
  bad_plan "conv split dimension on a linear layer" 'strategy: splitDim: unknown value "height" (expected n|m)'
LAYER='{"type": "conv2d", "batch": 1, "C": 1, "H": 3, "W": 5, "F": 2, "R": 3, "S": 1, "strideH": 1, "strideW": 1, "padH": 0, "padW": 0}' \
  STRAT='"splitRatio": 0.5, "cpuThreads": 1, "cpuImpl": "simd-direct", "gpuVariant": "conv_direct", "gpuWorkGroup": 8, "sync": "finish", "splitDim": "height"' \
  bad_plan "split along a one-row output height" 'strategy: splitDim: "height" splits along P (output height), which is 1 on this layer'
RT='{"id": "ok-job", "kind": "roundtrip", "strategy": {"sync": "finish", "splitDim": "n"}}' bad_plan "splitDim on a round trip" 'jobs[0] (id "ok-job"): strategy: splitDim: unknown field'

bad_flags() {  # NAME EXPECTED_MESSAGE_PART ARGS...
  local name="$1" want="$2"; shift 2
  "$E" "$@" >"$tmp/flags.out" 2>"$tmp/flags.err"
  local rc=$?
  if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/flags.err" && [ ! -s "$tmp/flags.out" ] && ! grep -q "internal" "$tmp/flags.err"; then
    pass "bad flags: $name"
  else
    fail "bad flags: $name (exit $rc): $(cat "$tmp/flags.err")"
  fi
}
bad_flags "unknown flag" "bench: unknown flag --bogus" bench --layer linear --N 4 --K 4 --bogus 1
bad_flags "not a number" 'bench: --N expects a number, got "abc"' bench --layer linear --N abc --K 4
bad_flags "missing value" "bench: --K needs a value" bench --layer linear --N 4 --K
bad_flags "target not a number" 'bench: --target-median-ci-pct expects a number, got "tight"' bench --layer linear --N 4 --K 4 --target-median-ci-pct tight
bad_flags "unknown sync" 'strategy: sync: unknown value "fence"' bench --layer linear --N 4 --K 4 --sync fence
bad_flags "missing --out" "run: missing --out RESULTS.jsonl" run "$tmp/small.json"
bad_flags "missing plan file" "run: cannot read plan $tmp/none.json" run "$tmp/none.json" --out "$tmp/none.jsonl"
bad_flags "unknown command" 'unknown command "walk"' walk
bad_flags "a core that is not a number" 'bench: --cores expects a number, got "x"' bench --layer linear --N 4 --K 4 --cores 0,x
bad_flags "driver core not a number" 'bench: --driver-core expects a number, got "one"' bench --layer linear --N 4 --K 4 --driver-core one
[ ! -e "$tmp/none.jsonl" ] && pass "missing plan: no output file" || fail "missing plan: output file created"

# --- sanitizers: ASan + UBSan build on a small subset --------------------------------------------------
if [ "${COEXEC_TEST_SKIP_ASAN:-0}" != 1 ]; then
  if cmake -S native -B native/build-asan -DCMAKE_BUILD_TYPE=Debug -DCOEXEC_SANITIZE=ON >"$tmp/asan.log" 2>&1 &&
     cmake --build native/build-asan -j 2 --target coexec-engine >>"$tmp/asan.log" 2>&1; then
    pass "build native/build-asan (ASan + UBSan)"
    # A test-tool plan (SUBCOMMAND: sweep or streams, --small) under the sanitized engine, every job checked;
    # extra VAR=value words go before the engine (e.g. the host-memory path the plan needs).
    sanitized_subset() {
      local name="$1" label="$2" sub="$3"; shift 3
      "$T" "$sub" "$tmp/$name.json" --small >/dev/null
      if env "$@" ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
          native/build-asan/coexec-engine run "$tmp/$name.json" --out "$tmp/$name.jsonl" 2>"$tmp/$name.err" &&
         ! grep -qE "ERROR: AddressSanitizer|runtime error:" "$tmp/$name.err"; then
        "$T" check "$tmp/$name.json" "$tmp/$name.jsonl" >"$tmp/$name.check"
        grep '^FAIL' "$tmp/$name.check"
        read -r p f < <(sed -n 's/^COUNTS //p' "$tmp/$name.check")
        [ "${f:-1}" -eq 0 ] && pass "$label: ${p} jobs clean and correct" || fail "$label: ${f:-1} jobs wrong"
      else
        fail "$label: sanitizer report or failure"
        grep -E -A 12 "ERROR: AddressSanitizer|runtime error:" "$tmp/$name.err" | head -n 30
      fi
    }
    # PoCL and its LLVM are not instrumented and keep allocations until exit: leak reports would be theirs.
    sanitized_subset asan "sanitized subset" sweep
    sanitized_subset asan-streams "sanitized gpuStreams subset" streams COEXEC_HOST_MEMORY=pinned-copy
    ASAN_OPTIONS=detect_leaks=0 native/build-asan/coexec-engine info >"$tmp/asan-info.json" 2>"$tmp/asan-info.err" &&
      "$T" info "$tmp/asan-info.json" && ! grep -qE "Sanitizer|runtime error:" "$tmp/asan-info.err" &&
      pass "sanitized: info with its five round trips" || fail "sanitized: info"
    ASAN_OPTIONS=detect_leaks=0 native/build-asan/coexec-engine run "$tmp/bad.json" --out "$tmp/asan-bad.jsonl" 2>"$tmp/asan-bad.err"
    [ $? -eq 2 ] && ! grep -q Sanitizer "$tmp/asan-bad.err" && pass "sanitized: bad plan exits 2 cleanly" || fail "sanitized: bad plan"
  else
    tail -n 30 "$tmp/asan.log"
    fail "build native/build-asan (ASan + UBSan)"
  fi
fi

# --- ThreadSanitizer: the driver thread, the CPU pool and their handshake ---------------------------------
# A small subset through both host-memory paths with the driver thread pinned to core 1 and the CPU slice on
# core 0, and info's round trips. PoCL is not instrumented: its own threads' accesses are invisible to TSan
# (no false reports from them so far, so no suppressions file); our side of every hand-off is checked.
if [ "${COEXEC_TEST_SKIP_TSAN:-0}" != 1 ]; then
  if cmake -S native -B native/build-tsan -DCMAKE_BUILD_TYPE=Debug -DCOEXEC_SANITIZE_THREAD=ON >"$tmp/tsan.log" 2>&1 &&
     cmake --build native/build-tsan -j 2 --target coexec-engine >>"$tmp/tsan.log" 2>&1; then
    pass "build native/build-tsan (ThreadSanitizer)"
    # The toolchain must be able to fail: a deliberate race in a 10-line program is reported.
    printf '%s\n' '#include <thread>' 'int shared = 0;' 'int main() { std::thread t([] { shared = 1; }); shared = 2; t.join(); return 0; }' >"$tmp/race.cpp"
    if c++ -std=c++17 -g -fsanitize=thread "$tmp/race.cpp" -o "$tmp/race" -pthread 2>>"$tmp/tsan.log" &&
       ! TSAN_OPTIONS=exitcode=66 "$tmp/race" 2>"$tmp/race.err" && grep -q "WARNING: ThreadSanitizer: data race" "$tmp/race.err"; then
      pass "TSan reports a deliberate data race"
    else
      fail "TSan reports a deliberate data race"
    fi
    "$T" sweep "$tmp/tsan.json" --small >/dev/null
    sed -i 's/"cpuAffinity":\[\]/"cpuAffinity":[0],"driverCore":1/' "$tmp/tsan.json"
    # +watch: the driver thread also watches the host-waited GPU sides' end (COEXEC_WATCH_GPU_DONE, Executor).
    for mode in zero-copy/auto pinned-copy/auto pinned-copy/calls zero-copy/auto+watch; do  # auto: command buffers on PoCL
      watch=0; [ "${mode%+watch}" != "$mode" ] && watch=1
      base=${mode%+watch}; hm=${base%/*}; mode=${mode/+/-}
      if COEXEC_WATCH_GPU_DONE=$watch COEXEC_HOST_MEMORY=$hm COEXEC_GPU_SUBMIT=${base#*/} TSAN_OPTIONS=halt_on_error=0 native/build-tsan/coexec-engine run "$tmp/tsan.json" \
           --out "$tmp/tsan-${mode/\//-}.jsonl" 2>"$tmp/tsan-${mode/\//-}.err" && ! grep -q "ThreadSanitizer" "$tmp/tsan-${mode/\//-}.err"; then
        "$T" check "$tmp/tsan.json" "$tmp/tsan-${mode/\//-}.jsonl" >"$tmp/tsan.check"
        grep '^FAIL' "$tmp/tsan.check"
        read -r p f < <(sed -n 's/^COUNTS //p' "$tmp/tsan.check")
        [ "${f:-1}" -eq 0 ] && pass "TSan subset ($mode, driver thread on core 1): ${p} jobs race-free and correct" ||
          fail "TSan subset ($mode): ${f:-1} jobs wrong"
      else
        fail "TSan subset ($mode): a ThreadSanitizer report or failure"
        grep -A 20 "WARNING: ThreadSanitizer" "$tmp/tsan-${mode/\//-}.err" | head -n 40
      fi
    done
    native/build-tsan/coexec-engine info >"$tmp/tsan-info.json" 2>"$tmp/tsan-info.err" && "$T" info "$tmp/tsan-info.json" &&
      ! grep -q ThreadSanitizer "$tmp/tsan-info.err" && pass "TSan: info with its five round trips" || fail "TSan: info"
  else
    tail -n 30 "$tmp/tsan.log"
    fail "build native/build-tsan (ThreadSanitizer)"
  fi
fi

# --- aarch64 CPU kernels under qemu (the CPU engineer's script prints its own SUITE line) ---------------
if [ "${COEXEC_TEST_SKIP_AARCH64:-0}" != 1 ] && [ -f native/tests/cpu_aarch64.sh ]; then
  own_suite "cpu_aarch64.sh" bash native/tests/cpu_aarch64.sh
fi

summary
[ "$failed" -eq 0 ]
