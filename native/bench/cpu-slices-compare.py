#!/usr/bin/env python3
"""Summarises a cpu-slices-ab.sh directory: per layer, the median over rounds of each build's median time
(our simd implementation; OpenBLAS rows are the yardstick and left out), and new / old.
usage: native/bench/cpu-slices-compare.py DIR [--json OUT]"""
import glob
import json
import statistics
import sys


def medians(directory, build):
    by_layer = {}
    for path in sorted(glob.glob(f"{directory}/{build}-*.json")):
        for row in json.load(open(path))["rows"]:
            if row["impl"].startswith("simd"):
                by_layer.setdefault(row["layer"], []).append(row["medianUs"])
    return {layer: statistics.median(v) for layer, v in by_layer.items()}


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    old, new = medians(argv[0], "old"), medians(argv[0], "new")
    rows = [{"layer": k, "oldUs": old[k], "newUs": new[k], "newOverOld": round(new[k] / old[k], 3)}
            for k in new if k in old]
    if not rows:
        sys.exit(f"no old/new rows in {argv[0]}")
    for r in rows:
        print(f"{r['layer']:52s} old {r['oldUs']:9.1f} us  new {r['newUs']:9.1f} us  new/old {r['newOverOld']:.2f}")
    if "--json" in argv:
        json.dump(rows, open(argv[argv.index("--json") + 1], "w"), indent=1)


main(sys.argv[1:])
