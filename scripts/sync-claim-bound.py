#!/usr/bin/env python3
"""The pocl-cpu bound of svm-fine-overhead-vs-finish by ARTIFACT.md B's rule for a range from reference runs:
the highest value among the reference runs plus twice the largest run-to-run difference among repeated runs
of one experiment on one platform, rounded up to a whole percent. Reads each run's derived/summary.json
(sync.svmFineMinusFinishOverheadPctOfLayer and its interval; derive the runs first) and prints the JSON that
results/benchmarks/svm-fine-overhead-pct-of-layer-20261203.json holds.

usage: python3 scripts/sync-claim-bound.py --repeated RUN... --other RUN...
  --repeated  runs of the same experiment, profile and platform (their spread is the run-to-run difference)
  --other     further reference runs of the class (their values count for the highest value only)
"""
import argparse
import json
import math


def value(run):
    sync = json.load(open(f"{run}/derived/summary.json"))["sync"]
    return {"run": run.rstrip("/").split("/")[-1], "pctOfLayer": sync.get("svmFineMinusFinishOverheadPctOfLayer"),
            "ci95PctOfLayer": sync.get("svmFineMinusFinishOverheadCi95PctOfLayer"),
            "us": sync.get("svmFineMinusFinishOverheadUs")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeated", nargs="+", required=True)
    ap.add_argument("--other", nargs="*", default=[])
    a = ap.parse_args()
    repeated = [value(r) for r in a.repeated]
    other = [value(r) for r in a.other]
    values = [v["pctOfLayer"] for v in repeated + other if v["pctOfLayer"] is not None]
    spread_values = [v["pctOfLayer"] for v in repeated if v["pctOfLayer"] is not None]
    spread = max(spread_values) - min(spread_values)
    highest = max(values)
    print(json.dumps({"rule": "highest value + 2 x largest run-to-run difference, rounded up to a whole percent",
                      "highestPct": round(highest, 3), "largestRunToRunDifferencePct": round(spread, 3),
                      "boundPct": math.ceil(highest + 2 * spread), "repeated": repeated, "other": other}, indent=1))


if __name__ == "__main__":
    main()
