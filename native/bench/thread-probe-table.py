#!/usr/bin/env python3
"""Markdown table of one cpu-thread-probe.sh folder: per setting and round, the pass's wall time, its busiest
thread, the threads' busy sum and the end spread (all in us), read from the `busy` line of each NAME-rN.txt.
Settings print in the probe's order (one thread, pair, crowd, the solo cores, then 2, 4 and 8 threads, then
private-t8, whose threads each compute a whole layer of their own: its "busiest" and "sum" are the largest and the
sum of the threads' median executions, and it has no pass wall or end spread); then the solo timings' min / median /
max, which the 8-thread busy sums are read against.
usage: native/bench/thread-probe-table.py PROBE_DIR"""
import os
import re
import statistics
import sys

BUSY = re.compile(r"wall\s+([\d.]+) us.*?busy mean\s+[\d.]+\s+max\s+([\d.]+)\s+sum\s+([\d.]+)\s+end spread\s+([\d.]+)")
PRIVATE = re.compile(r"private\s+median mean\s+[\d.]+\s+max\s+([\d.]+)\s+sum\s+([\d.]+)")
FILE = re.compile(r"^(.+)-r(\d+)\.txt$")


def setting_rank(name):
    """The probe's order: fixed settings first, solo cores by number, then by thread count."""
    fixed = ["t1", "pair-core8", "pair-core9", "crowd-core9"]
    if name in fixed:
        return (0, fixed.index(name), 0)
    if name.startswith("solo-core"):
        return (1, int(name[len("solo-core"):]), 0)
    threads = re.match(r"t(\d+)", name)
    return (2 if threads else 3, int(threads.group(1)) if threads else 99, name)


def main(probe_dir):
    rows, solo = [], []
    for file in os.listdir(probe_dir):
        named = FILE.match(file)
        if not named:
            continue
        text = open(os.path.join(probe_dir, file)).read()
        busy, private = BUSY.search(text), PRIVATE.search(text)
        if busy:
            rows.append((named.group(1), int(named.group(2)), *(float(v) for v in busy.groups())))
        elif private:
            rows.append((named.group(1), int(named.group(2)), None, float(private.group(1)), float(private.group(2)), None))
        else:
            continue
        if named.group(1).startswith("solo-core"):
            solo.append(float(busy.group(3)))
    if not rows:
        sys.exit(f"{probe_dir}: no NAME-rN.txt with a busy line (is it a cpu-thread-probe.sh folder?)")
    rows.sort(key=lambda r: (setting_rank(r[0]), r[1]))
    print("| setting | round | pass wall (us) | busiest thread (us) | threads' busy sum (us) | end spread (us) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, rnd, wall, busiest, total, spread in rows:
        shown = lambda v: "n/a" if v is None else f"{v:.1f}"
        print(f"| {name} | {rnd} | {shown(wall)} | {busiest:.1f} | {total:.1f} | {shown(spread)} |")
    if solo:
        print(f"\nsolo (one thread alone on each core, every round): {len(solo)} timings, min {min(solo):.1f}, "
              f"median {statistics.median(solo):.1f}, max {max(solo):.1f} us")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n")[-1])
    main(sys.argv[1])
