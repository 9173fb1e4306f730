#!/usr/bin/env python3
"""A/B of two harness runs of one experiment on the same platform and grid: per layer, the fastest job median
(status "ok") of each kind (CPU-only, GPU-only, co-executed) in run A and run B, their ratio B / A, and the
geomean ratio per kind. `extract` writes the few fields it needs from a run's raw/main.jsonl[.gz] into a small
gzipped JSON lines file (so that an A/B can ship without its runs); `compare` reads either form.

usage: python3 scripts/run-sides-ab.py extract RUN_DIR OUT.jsonl.gz
       python3 scripts/run-sides-ab.py compare A (RUN_DIR | X.jsonl.gz) B (RUN_DIR | X.jsonl.gz) [--markdown]
"""
import gzip
import json
import math
import os
import sys

FIELDS = ("jobId", "status", "strategy", "medianNs", "cpuSideMedianNs", "gpuSideMedianNs")


def raw_lines(path):
    if os.path.isdir(path):
        plain = os.path.join(path, "raw", "main.jsonl")
        path = plain if os.path.exists(plain) else plain + ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def kind_of(strategy):
    r = strategy["splitRatio"]
    return "gpu-only" if r == 0 else "cpu-only" if r == 1 else "co-executed"


def best_by_layer_kind(path):
    best = {}
    for r in raw_lines(path):
        if r.get("status") != "ok" or "strategy" not in r or "medianNs" not in r:
            continue
        key = (r["jobId"].split("/r:")[0], kind_of(r["strategy"]))
        best[key] = min(best.get(key, math.inf), r["medianNs"] / 1e3)
    return best


def extract(run_dir, out):
    with gzip.open(out, "wt") as f:
        for r in raw_lines(run_dir):
            if "strategy" in r:
                f.write(json.dumps({k: r[k] for k in FIELDS if k in r}) + "\n")


def compare(a, b, markdown):
    A, B = best_by_layer_kind(a), best_by_layer_kind(b)
    ratios = {}
    rows = []
    for key in sorted(set(A) & set(B)):
        ratio = B[key] / A[key]
        ratios.setdefault(key[1], []).append(ratio)
        rows.append((key[0], key[1], A[key], B[key], ratio))
    if markdown:
        print("| kind | layers | geomean B / A | range |")
        print("| --- | --- | --- | --- |")
        for kind in ("cpu-only", "gpu-only", "co-executed"):
            v = ratios.get(kind, [])
            if v:
                g = math.exp(sum(map(math.log, v)) / len(v))
                print(f"| {kind} | {len(v)} | {g:.2f} | {min(v):.2f}-{max(v):.2f} |")
        return
    for layer, kind, x, y, ratio in rows:
        print(f"{layer}\t{kind}\t{x:.1f}\t{y:.1f}\t{ratio:.2f}")


def main(argv):
    if len(argv) >= 3 and argv[0] == "extract":
        extract(argv[1], argv[2])
    elif len(argv) >= 3 and argv[0] == "compare":
        compare(argv[1], argv[2], "--markdown" in argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
