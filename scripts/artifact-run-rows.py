#!/usr/bin/env python3
"""Prints one row of ARTIFACT.md section J's new-engine table per run folder given, from its derived/layers.json:
geomean / max oracle and selected speedup, mean / geomean / worst q, and the mean co-execution efficiency
against the linear and the fixed-cost ideal bound with each bound's range over the layers.

usage: python3 scripts/artifact-run-rows.py results/PLATFORM/RUN_ID ...
"""
import json
import math
import os
import sys


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def present(rows, key):
    return [r[key] for r in rows if r.get(key) is not None]


def row(run_dir):
    rows = json.load(open(f"{run_dir}/derived/layers.json"))["rows"]
    oracle = [r["speedupOracle"] for r in rows]
    selected = [r["speedupSelected"] for r in rows]
    q = [r["decisionQuality"] for r in rows]
    eff_linear, bound_linear = present(rows, "efficiencyLinear"), present(rows, "idealSpeedupLinear")
    eff_affine, bound_affine = present(rows, "efficiencyAffine"), present(rows, "idealSpeedupAffine")
    run_id = run_dir.rstrip("/").split("/")[-1]
    platform = run_dir.rstrip("/").split("/")[-2]
    experiment = run_id.split("-coexec")[0]
    partial = "" if len(bound_affine) == len(rows) else f"; {len(bound_affine)} of {len(rows)} layers"
    return (f"| {platform} | {experiment} ({run_id[-5:]}) | {len(rows)} "
            f"| {geomean(oracle):.2f} / {max(oracle):.2f} | {geomean(selected):.2f} / {max(selected):.2f} "
            f"| {sum(q) / len(q):.2f} / {geomean(q):.2f} / {min(q):.2f} "
            f"| {sum(eff_linear) / len(eff_linear):.2f} ({min(bound_linear):.2f}-{max(bound_linear):.2f}) "
            f"| {sum(eff_affine) / len(eff_affine):.2f} ({min(bound_affine):.2f}-{max(bound_affine):.2f}{partial}) |")


if __name__ == "__main__":
    if len(sys.argv) < 2 or any(a.startswith("-") for a in sys.argv[1:]):
        sys.exit(__doc__.strip())
    missing = [a for a in sys.argv[1:] if not os.path.isfile(os.path.join(a, "derived", "layers.json"))]
    if missing:
        sys.exit(f"artifact-run-rows: no derived/layers.json in {', '.join(missing)} (run `npx coexec derive RUN` first)")
    for arg in sys.argv[1:]:
        print(row(arg))
