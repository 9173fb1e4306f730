#!/usr/bin/env python3
"""Do a run's slow CPU sides line up with the host's steal time? (2026-12-04, round 15)

Groups a run's co-executed and CPU-only grid jobs by their CPU slice (layer, split ratio, split dimension, CPU
implementation, threads: the GPU variant, mechanism and streams differ within a group, the CPU's work does
not), calls a job's CPU side slow when it is more than FACTOR times the fastest CPU side of its group, and
prints per minute of the jobs' start how many were measured and how many were slow, beside the mean steal
time of that minute from a `vmstat -t` log of the same call.

  python3 scripts/steal-windows.py RUN_DIR VMSTAT_LOG [FACTOR]
"""
import collections
import gzip
import json
import os
import statistics
import sys


def lines(run_dir):
    raw = os.path.join(run_dir, "raw")
    for name in ("main.jsonl", "main.jsonl.gz"):
        path = os.path.join(raw, name)
        if os.path.exists(path):
            with (gzip.open(path, "rt") if name.endswith(".gz") else open(path)) as f:
                for line in f:
                    yield json.loads(line)
            return
    sys.exit(f"steal-windows: no raw/main.jsonl(.gz) in {run_dir}")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    run_dir, vmstat_log = sys.argv[1], sys.argv[2]
    factor = float(sys.argv[3]) if len(sys.argv) == 4 else 3.0
    groups = collections.defaultdict(list)
    for j in lines(run_dir):
        s = j.get("strategy") or {}
        if j.get("status") != "ok" or not j.get("cpuSideNs") or not j.get("startedAt"):
            continue
        key = (json.dumps(j["layer"], sort_keys=True), s.get("splitRatio"), s.get("splitDim"), s.get("cpuImpl"), s.get("cpuThreads"))
        groups[key].append((statistics.median(j["cpuSideNs"]), j["startedAt"][11:16]))
    measured, slow = collections.Counter(), collections.Counter()
    for jobs in groups.values():
        fastest = min(ns for ns, _ in jobs)
        for ns, minute in jobs:
            measured[minute] += 1
            if len(jobs) > 1 and ns > factor * fastest:
                slow[minute] += 1
    steal = collections.defaultdict(list)
    with open(vmstat_log) as f:
        header = None
        for row in f:
            cols = row.split()
            if "st" in cols and "us" in cols:
                header = cols
                continue
            if header and cols and cols[0].isdigit():
                steal[cols[-1][:5]].append(float(cols[header.index("st")]))
    print(f"| minute (UTC) | jobs with a CPU side | CPU side > {factor:g}x its slice's fastest | mean steal % (vmstat) |")
    print("| --- | --- | --- | --- |")
    for minute in sorted(set(measured) | set(steal)):
        st = f"{statistics.mean(steal[minute]):.1f}" if steal.get(minute) else ""
        print(f"| {minute} | {measured.get(minute, 0)} | {slow.get(minute, 0)} | {st} |")


if __name__ == "__main__":
    main()
