#!/usr/bin/env python3
"""Compares the rounds of cpu-slices-ab.sh / conv-slices-ab.sh: per (slice, threads, implementation) the
median over rounds of each build's median, and new/old; then geomeans of new/old per implementation and
split (the unchanged paths show the run's noise). Usage: cpu-slices-compare.py OUT [--json SUMMARY.json]"""
import glob
import json
import os
import statistics
import sys


def load(out, variant):
    rows = {}
    for path in sorted(glob.glob(os.path.join(out, f"{variant}-*.json"))):
        for r in json.load(open(path))["rows"]:
            rows.setdefault((r["layer"], r["threads"], r["impl"]), []).append(r["medianUs"])
    return rows


def main():
    out = sys.argv[1]
    old, new = load(out, "old"), load(out, "new")
    summary = []
    print(f"{'slice':<64} {'t':>2} {'impl':<20} {'old us':>9} {'new us':>9} {'new/old':>7}")
    for key in old:
        if key not in new:
            continue
        o, n = statistics.median(old[key]), statistics.median(new[key])
        print(f"{key[0]:<64} {key[1]:>2} {key[2]:<20} {o:9.1f} {n:9.1f} {n / o:7.2f}")
        summary.append({"slice": key[0], "threads": key[1], "impl": key[2], "oldMedianUs": round(o, 2),
                        "newMedianUs": round(n, 2), "newOverOld": round(n / o, 3), "rounds": len(old[key])})
    ratios = [s["newOverOld"] for s in summary]
    if ratios:
        geo = statistics.geometric_mean(ratios)
        print(f"geomean new/old over {len(ratios)} rows: {geo:.3f}")
    # Per implementation and split (f-/h-slice for conv, n-/m-slice for linear; whole layers are f-slice 1.0):
    # a change to one path shows against the unchanged ones, which give the run's noise.
    groups = {}
    for s in summary:
        split = next((w for w in s["slice"].split() if w.endswith("-slice")), "")
        groups.setdefault((s["impl"], split), []).append(s["newOverOld"])
    for (impl, split), rs in sorted(groups.items()):
        print(f"geomean new/old {impl:<20} {split:<8} over {len(rs):3} rows: {statistics.geometric_mean(rs):.3f}")
    if "--json" in sys.argv:
        geomeans = [{"impl": impl, "split": split, "rows": len(rs), "geomeanNewOverOld": round(statistics.geometric_mean(rs), 3)}
                    for (impl, split), rs in sorted(groups.items())]
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump({"rows": summary, "geomeans": geomeans}, f, indent=1)


if __name__ == "__main__":
    main()
