#!/usr/bin/env bash
# The engine benchmarks of issues 12 and 13 on the GPU host, in one device call (no Node there): builds
# the engine, records the machine, then runs the named parts in order, each under its own time limit, and
# packs every output into one archive. This is the script that measured results/benchmarks/gpu-host-*.
#
# usage: scripts/gpu-host-engine-round.sh OUT_DIR PART...
#   parts: datapath   native/bench/sync-bench.sh datapath (driver core 0, CPU threads on cores 1-15, NVIDIA),
#                     timed executions on the plain queue, then the GPU jobs again with COEXEC_TIMED_QUEUE=profiling
#          datapath-allcores  the same with the CPU slice on all 16 cores and no driver core (counter-example)
#          kernels-nvidia     native/bench/kernel-bench.sh: best NVIDIA variant vs the CPU side on cores 1-15
#          kernels-pocl       the same with PoCL pinned to cores 0-7 vs 8 engine threads on cores 8-15
#          event-poll-ab      the datapath layers under finish and event-poll with COEXEC_EVENT_POLL_US (the least time
#                             between event-poll's status queries) 0, then each of EP_POLL_US (default "2 10"), in
#                             turn EP_REPEATS (2) times, each run 2 rounds (event-poll-ab/poll<us>-rep<k>/datapath.json)
#          cpu-slice-probe    native/bench/cpu_slice_probe.py: the CPU slice alone, in a co-execution with a one-row GPU
#                             share and in the r = 0.5 co-execution, same rows, PROBE_ROUNDS (7) alternated rounds
#          cpu-slice-probe-busy  native/bench/cpu-slice-probe-busy.sh: that probe plain, with core 0 kept busy, and
#                             with the driver on core 8, in turn, twice
#          interrupts         native/bench/interrupts_probe.py: interrupts per execution on the slice's cores, CPU alone vs
#                             co-executed (interrupts.json)
#          syscalls           native/bench/syscalls-probe.sh: system calls of co-executed vs CPU-only executions (strace -c)
#          torch-copies       native/bench/torch_copy_bandwidth.py: PyTorch CUDA copies from pinned memory, wall and
#                             CUDA events (torch-copy-bandwidth.json), the yardstick of the datapath part's copies
#          cpu                native/bench/cpu-bench-host.sh: CPU kernels vs OpenBLAS and PyTorch CPU
#          torch              native/bench/torch_reference.py: PyTorch CPU (16 threads), CUDA resident and
#                             CUDA with pinned copies on the reference layers and every co-execution layer of
#                             configs/profiles/host.json (the input of `coexec vs-pytorch`)
#          yardsticks         issue 13's reference layers, same card, same session: PyTorch CPU (16 threads) and
#                             CUDA (native/bench/torch_yardstick.py -> yardsticks/torch.jsonl), then our kernels,
#                             OpenBLAS and CLBlast (native/bench/yardsticks.sh, 15 threads on cores 1-15, driver
#                             core 0 -> yardsticks/engine.jsonl); PyTorch gets a third of the part's limit
#          pocl-arrangements  native/bench/sync-bench.sh datapath on PoCL (pocl-split) under three core arrangements,
#                             linear M=1 layers, finish and svm-fine: driver alone on core 7 (7 workers on 0-6,
#                             slice on 8-15) with the pool parking after each slice (no deviceCores) and spinning
#                             (deviceCores 0-6), and driver alone on core 8 (8 workers, slice on 9-15)
#          awake              native/bench/awake_cores_bench.py: pocl-split's GPU-only and co-executed jobs with
#                             keepDeviceCoresAwake off and on, alternated AWAKE_ROUNDS (3) times (awake/awake-cores.json)
#          submit             native/bench/submit_bench.py: the GPU side's host cost per submit sequence
#                             (coexec-enqueue-bench on driver core 0, plain and profiling queues) and the engine
#                             with calls on the plain timed queue vs calls with COEXEC_TIMED_QUEUE=profiling vs
#                             command-buffer, on NVIDIA and on pocl-split (submit/submit.json; about 120 s)
# CLBlast (the yardsticks' GPU library) is not installed on the lent host: CLBLAST_DEB=path/to/libclblast1_*.deb
# (fetched on the harness machine with `apt-get download libclblast1` and carried, e.g. under bundles/) is
# unpacked into a private folder and put on LD_LIBRARY_PATH, nothing installed system-wide.
# Environment: PART_LIMIT_S (default 170) caps each part, PART_LIMIT_S_<part> one part (dashes as _); DP_ARGS adds datapath_bench.py arguments (e.g. --copy-queues 1,2,4); KB_NVIDIA_ARGS / KB_POCL_ARGS add kernel_bench.py
# options (e.g. --shapes, --variants, --finalists 3 --rounds 3) to the two kernel parts.
set -uo pipefail
source "$(dirname "$0")/lib/bounded.sh"
cd "$(dirname "$0")/.."
out="$1"; shift
mkdir -p "$out"
out="$(cd "$out" && pwd)"
root="$(pwd)"
t0=$(date +%s)
log() { echo "[gpu-host-round $(( $(date +%s) - t0 ))s] $*" | tee -a "$out/round.log"; }
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1 PYTHONUNBUFFERED=1

# NVIDIA's OpenCL is installed but not registered: a private vendors folder names it beside PoCL's entry.
icd="$(mktemp -d)"
echo libnvidia-opencl.so.1 > "$icd/nvidia.icd"
cp /etc/OpenCL/vendors/*.icd "$icd/" 2>/dev/null || true
export OCL_ICD_VENDORS="$icd"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: ${ROUND_COMMIT:-unknown (set ROUND_COMMIT: the device copy has no reliable git HEAD)}"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1
  echo "nproc: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo
  lscpu -e 2>&1 | head -40
  echo "SMT siblings: $(cat /sys/devices/system/cpu/cpu*/topology/thread_siblings_list 2>/dev/null | sort -un | tr '\n' ' ')"
  ls "$icd"
} > "$out/machine.txt"
log "machine: $(head -3 "$out/machine.txt" | tail -1)"

if [ -n "${CLBLAST_DEB:-}" ]; then
  clblast_root="$(mktemp -d)"
  if [ -f "$CLBLAST_DEB" ] && dpkg-deb -x "$CLBLAST_DEB" "$clblast_root" 2>>"$out/clblast.log"; then
    for d in "$clblast_root"/usr/lib "$clblast_root"/usr/lib/*-linux-gnu; do
      [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    done
    log "CLBlast from $(basename "$CLBLAST_DEB") on LD_LIBRARY_PATH"
  else
    log "CLBLAST_DEB=$CLBLAST_DEB could not be unpacked (clblast.log): CLBlast jobs will be skipped"
  fi
fi

if ! scripts/build-engine.sh native/build > "$out/build.log" 2>&1; then
  log "engine build failed"; tail -20 "$out/build.log"; exit 1
fi
native/build/coexec-engine info > "$out/info.json" 2> "$out/info.err" || log "info exited $?"
log "engine built"

part() { # name command...: one part under its time limit (PART_LIMIT_S_<name>, else PART_LIMIT_S, else 170 s)
  local name="$1"; shift
  local own="PART_LIMIT_S_${name//-/_}"
  local limit="${!own:-${PART_LIMIT_S:-170}}"
  log "part $name: start (limit ${limit} s)"
  bounded "$limit" "$@" > "$out/$name.log" 2>&1
  log "part $name: exit $?"
}

for p in "$@"; do
  case "$p" in
    datapath) part datapath native/bench/sync-bench.sh datapath --out "$out/datapath" --cores 1-15 --driver-core 0 \
        --device-type gpu --timed-queues plain,profiling \
        --label "GPU host, NVIDIA OpenCL, driver core 0, CPU threads on cores 1-15" ${DP_ARGS:-} ;;
    datapath-allcores) part datapath-allcores native/bench/sync-bench.sh datapath --out "$out/datapath-allcores" \
        --cores 0-15 --device-type gpu --label "GPU host, NVIDIA OpenCL, no driver core, CPU threads on cores 0-15" ;;
    kernels-nvidia) part kernels-nvidia native/bench/kernel-bench.sh "$out/kernels-nvidia" --device-type gpu \
        --platform NVIDIA --cpu-cores 1-15 --threads 15 --machine "GPU host: NVIDIA OpenCL vs 15 engine threads on cores 1-15" \
        ${KB_NVIDIA_ARGS:-} ;;
    kernels-pocl) part kernels-pocl native/bench/kernel-bench.sh "$out/kernels-pocl" --device-type cpu \
        --platform Portable --gpu-taskset 0-7 --cpu-cores 8-15 --threads 8 \
        --machine "GPU host: PoCL on cores 0-7 vs 8 engine threads on cores 8-15 (pocl-split)" ${KB_POCL_ARGS:-} ;;
    event-poll-ab) part event-poll-ab native/bench/event-poll-ab.sh "$out/event-poll-ab" ;;
    cpu-slice-probe) part cpu-slice-probe python3 native/bench/cpu_slice_probe.py --out "$out/cpu-slice-probe" \
        --cores 1-15 --driver-core 0 --device-type gpu --rounds "${PROBE_ROUNDS:-7}" --syncs finish,event-poll ;;
    cpu-slice-probe-busy) part cpu-slice-probe-busy native/bench/cpu-slice-probe-busy.sh "$out/cpu-slice-probe-busy" ;;
    interrupts) part interrupts python3 native/bench/interrupts_probe.py "$out/interrupts.json" 3000 2 ;;
    syscalls) part syscalls native/bench/syscalls-probe.sh "$out/syscalls" 1000 ;;
    torch-copies) part torch-copies python3 native/bench/torch_copy_bandwidth.py "$out/torch-copy-bandwidth.json" ;;
    cpu) part cpu native/bench/cpu-bench-host.sh "$out/cpu" "${CPU_REPEAT:-3}" ;;
    torch) part torch python3 native/bench/torch_reference.py "$out/torch-reference.json" 16 7 ;;
    yardsticks)
      # One limit for the part, split so that a slow engine sweep cannot starve PyTorch (which runs first).
      ylimit="${PART_LIMIT_S_yardsticks:-${PART_LIMIT_S:-170}}"
      mkdir -p "$out/yardsticks"; rm -f "$out/yardsticks/engine.jsonl"
      PART_LIMIT_S_yardsticks_torch=$(( ylimit / 3 )) part yardsticks-torch \
        sh -c 'python3 native/bench/torch_yardstick.py 16 --shapes reference > "$1"' sh "$out/yardsticks/torch.jsonl"
      PART_LIMIT_S_yardsticks_engine=$(( ylimit - ylimit / 3 )) part yardsticks-engine native/bench/yardsticks.sh \
        native/build/coexec-engine "$out/yardsticks/engine.jsonl" 15 --device-type gpu --platform NVIDIA \
        --cores 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 --driver-core 0 ;;
    pocl-arrangements)
      for arr in "driver7-park:7:7:8-15:" "driver7:7:7:8-15:0-6" "driver8:8:8:9-15:0-7"; do
        IFS=: read -r name workers driver cores devcores <<< "$arr"
        part "pocl-$name" env POCL_MAX_PTHREAD_COUNT="$workers" POCL_CPU_MAX_CU_NUM="$workers" POCL_AFFINITY=1 native/bench/sync-bench.sh datapath \
          --out "$out/pocl-$name" --cores "$cores" --driver-core "$driver" --device-cores "$devcores" --device-type cpu \
          --linear-variant linear_reg_v16x2_m1 --linear-wg 1 --copy-mb "" --syncs finish,svm-fine --samples 60 \
          --workloads bert-base/attn-q-m1,bert-base/ffn-up-m1,gpt2/attn-qkv-m1,vgg16/fc7-m1,whisper-tiny/dec-q-m1 \
          --label "pocl-split arrangement $name: PoCL $workers workers pinned from core 0, driver core $driver, CPU slice on cores $cores, deviceCores ${devcores:-absent (the pool parks)}"
      done
      ;;
    awake) part awake python3 native/bench/awake_cores_bench.py "$out/awake" --rounds "${AWAKE_ROUNDS:-3}" ;;
    submit) part submit python3 native/bench/submit_bench.py --out "$out/submit" --target nvidia --target pocl-split ;;
    *) log "unknown part $p" ;;
  esac
done
tar czf "$out/round.tgz" -C "$out" --exclude=round.tgz . 2>/dev/null
log "done: $(du -h "$out/round.tgz" | cut -f1)"
cd "$root"
