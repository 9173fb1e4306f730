#!/usr/bin/env python3
"""Which core each thread of a running engine sits on, over time: runs `coexec-engine run PLAN` and reads
/proc/PID/task/*/stat every --interval-ms until it exits. Prints, per thread, its name and a line of
(ms since start, core, cumulative CPU ticks, state) every --every-th reading, then the job's first samples.

It shares the cores with what it watches (it found PoCL's two workers on one vCPU of the 2-core VM for the
first tens of milliseconds of a fresh engine, results/benchmarks/kernel-bench-vm-2core-20261204-s15-affinity/),
so read it for placement, not for timing.

usage: thread_placement_probe.py PLAN.json [--engine native/build/coexec-engine] [--interval-ms 2] [--every 8]
"""
import argparse
import collections
import json
import os
import subprocess
import tempfile
import time


def read_threads(pid):
    rows = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[0] is the state; utime and stime are fields 14 and 15 of stat, processor is field 39
        rows.append((int(tid), name, int(fields[36]), int(fields[11]) + int(fields[12]), fields[0]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("plan")
    ap.add_argument("--engine", default="native/build/coexec-engine")
    ap.add_argument("--interval-ms", type=float, default=2.0)
    ap.add_argument("--every", type=int, default=8)
    args = ap.parse_args()
    out = os.path.join(tempfile.mkdtemp(prefix="placement-"), "run.jsonl")
    proc = subprocess.Popen([args.engine, "run", args.plan, "--out", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    seen = collections.defaultdict(list)
    names = {}
    while proc.poll() is None:
        now_ms = round((time.monotonic() - start) * 1000, 1)
        try:
            for tid, name, core, ticks, state in read_threads(proc.pid):
                names[tid] = name
                seen[tid].append((now_ms, core, ticks, state))
        except OSError:
            break
        time.sleep(args.interval_ms / 1000)
    for tid, readings in seen.items():
        print(f"thread {tid} ({names[tid]}):", readings[::args.every])
    if os.path.exists(out):
        with open(out) as f:
            for line in f:
                r = json.loads(line)
                print(r["jobId"], "first samples (us):", [round(s / 1000) for s in r.get("samplesNs", [])[:40]])


if __name__ == "__main__":
    main()
