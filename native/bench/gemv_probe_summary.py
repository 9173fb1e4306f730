#!/usr/bin/env python3
"""Summarizes native/bench/gemv-chunking-probe.sh's output: per M = 1 layer and CPU slice, our simd kernel's median
under each pool rule (the median over rounds of each round's median), their ratio, and OpenBLAS beside them (its
own threads, which the pool rule does not touch: every round of both rules pooled).
usage: native/bench/gemv_probe_summary.py DIR [RULE_A RULE_B]   (default: balanced affine; prints Markdown)"""
import glob
import json
import os
import statistics
import sys


def rows_by_rule(directory, rule):
    """{(layer, impl): [median us of each round]} from DIR/gemv-RULE-*.json."""
    found = {}
    for path in sorted(glob.glob(os.path.join(directory, f"gemv-{rule}-*.json"))):
        with open(path) as f:
            for row in json.load(f)["rows"]:
                found.setdefault((row["layer"], row["impl"]), []).append(row["medianUs"])
    return found


def main():
    if len(sys.argv) not in (2, 4):
        sys.exit(__doc__)
    directory = sys.argv[1]
    rule_a, rule_b = (sys.argv[2], sys.argv[3]) if len(sys.argv) == 4 else ("balanced", "affine")
    a, b = rows_by_rule(directory, rule_a), rows_by_rule(directory, rule_b)
    if not a or not b:
        sys.exit(f"gemv_probe_summary: no gemv-{rule_a}-*.json or gemv-{rule_b}-*.json in {directory}")
    print(f"| layer (CPU slice) | simd {rule_a} us | simd {rule_b} us | {rule_b} speedup | OpenBLAS us | OpenBLAS / simd {rule_b} |")
    print("| --- | --- | --- | --- | --- | --- |")
    for layer, impl in a:
        if impl == "openblas" or (layer, impl) not in b:
            continue
        ours_a, ours_b = statistics.median(a[(layer, impl)]), statistics.median(b[(layer, impl)])
        blas = a.get((layer, "openblas"), []) + b.get((layer, "openblas"), [])
        blas_us = statistics.median(blas) if blas else float("nan")
        print(f"| {layer} | {ours_a:.1f} | {ours_b:.1f} | {ours_a / ours_b:.2f} | {blas_us:.1f} | {blas_us / ours_b:.2f} |")


if __name__ == "__main__":
    main()
