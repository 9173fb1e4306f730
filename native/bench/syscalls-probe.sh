#!/usr/bin/env bash
# Which system calls a co-executed execution makes (issue 12: interrupts_probe.py found ~1 function-call IPI per
# execution on every slice core in co-execution, against 0.03-0.22 CPU alone; a process-wide IPI comes from calls
# such as membarrier or from page-table changes). Runs the interrupts probe's coexec-1 and cpu-alone jobs (C512 7x7
# F512 3x3, 256 CPU rows, 15 threads on cores 1-15, driver core 0) under `strace -f -c` when the host has strace,
# N executions each, and keeps the per-syscall counts (strace-<job>.txt); without strace it counts the libc calls
# that can reach every core (native/bench/syscount_preload.c) per timed execution.
# usage: native/bench/syscalls-probe.sh OUT_DIR [N=1000]
set -uo pipefail
cd "$(dirname "$0")/../.."
out="$1"; n="${2:-1000}"; mkdir -p "$out"
echo "tools: $(command -v strace perf ltrace gdb 2>/dev/null | tr '\n' ' ')"
common=(--layer conv2d --C 512 --H 7 --W 7 --R 3 --S 3 --stride 1 --pad 1 --threads 15 --cores 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
        --driver-core 0 --cpu simd-im2col --gpu conv_direct --wg 64 --sync finish --device-type gpu
        --min-samples "$n" --max-samples "$n" --min-time-ms 0 --max-time-ms 60000)
if [ -z "${NO_STRACE:-}" ] && command -v strace >/dev/null; then
  for job in "cpu-alone --F 256 --ratio 1" "coexec-1 --F 257 --ratio 0.996109" "coexec-warmup-only --F 257 --ratio 0.996109 --min-samples 1 --max-samples 1"; do
    set -- $job; name="$1"; shift
    strace -f -c -o "$out/strace-$name.txt" native/build/coexec-engine bench "${common[@]}" "$@" > "$out/$name.json" 2>/dev/null
    echo "== $name (strace -f -c, top calls)"; head -14 "$out/strace-$name.txt"
  done
else
  # No strace: the LD_PRELOAD counter (syscount_preload.c), each job at 200 and at 200 + n executions; the
  # difference over n is per timed execution (warm-up, profiled executions and set-up cancel out).
  gcc -O2 -shared -fPIC -o "$out/syscount.so" native/bench/syscount_preload.c -ldl || exit 1
  for job in "cpu-alone --F 256 --ratio 1" "coexec-1 --F 257 --ratio 0.996109" "coexec-half --F 512 --ratio 0.5" \
             "coexec-1-event-poll --F 257 --ratio 0.996109 --sync event-poll"; do
    set -- $job; name="$1"; shift
    for k in 200 $((200 + n)); do
      SYSCOUNT_OUT="$out/count-$name-$k.txt" LD_PRELOAD="$out/syscount.so" native/build/coexec-engine bench "${common[@]}" \
        "$@" --min-samples $k --max-samples $k > /dev/null 2>"$out/$name-$k.err"
    done
    echo "== $name: calls per timed execution"
    join "$out/count-$name-200.txt" "$out/count-$name-$((200 + n)).txt" | awk -v n="$n" '{d = ($3 - $2) / n; if (d != 0) printf "  %s %.3f\n", $1, d}'
  done
fi
