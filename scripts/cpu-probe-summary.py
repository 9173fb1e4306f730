#!/usr/bin/env python3
"""Summarizes the archives of native/bench/cpu-topology-probe.sh (run with ROUNDS > 1) and
native/bench/cpu-only-gap-probe.sh as markdown tables: per conv layer and implementation, the median over
rounds of each round's median latency (us) with the range over rounds.

usage: scripts/cpu-probe-summary.py cpu-topology.tgz|cpu-only-gap.tgz ...
"""
import collections
import json
import re
import statistics
import sys
import tarfile


def fmt(values):
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def table(title, cells, columns):
    """cells: {(layer, impl, column): [us, ...]}"""
    print(f"### {title}\n")
    print("| layer | impl | " + " | ".join(columns) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in columns) + " |")
    for layer, impl in sorted({(k[0], k[1]) for k in cells}):
        row = [fmt(cells[(layer, impl, c)]) if (layer, impl, c) in cells else "-" for c in columns]
        print(f"| {layer} | {impl} | " + " | ".join(row) + " |")
    print()


def bench_rows(doc):
    for r in doc["rows"]:
        yield r["layer"].split(" pad")[0], re.sub(r"-(avx512|avx2|neon|scalar)$", "", r["impl"]), r["medianUs"]


def summarize(path):
    cells = collections.defaultdict(list)
    columns = []
    with tarfile.open(path) as tar:
        members = {m.name.lstrip("./"): m for m in tar.getmembers() if m.isfile()}
        if "engine.jsonl" in members:  # cpu-only-gap-probe
            for line in tar.extractfile(members["engine.jsonl"]).read().decode().splitlines():
                j = json.loads(line)
                r = j["result"]
                if r and r.get("status") == "ok":
                    cells[(j["layer"], j["impl"], "engine " + j["setup"])].append(r["medianNs"] / 1e3)
                    columns.append("engine " + j["setup"])
            names = {"conv 3x224x224 F=64 7x7/s2": "stem", "conv 256x56x56 F=64 1x1/s1": "c1x1",
                     "conv 64x56x56 F=64 3x3/s1": "c3x3"}
            for name, m in members.items():
                if re.fullmatch(r"bench-r\d+\.json", name):
                    for layer, impl, us in bench_rows(json.load(tar.extractfile(m))):
                        if layer in names and impl in ("simd-direct", "openblas-im2col"):
                            cells[(names[layer], impl, "coexec-cpu-bench")].append(us)
            columns = ["coexec-cpu-bench"] + list(dict.fromkeys(columns))
            table(f"{path}: CPU-only conv, 15 threads on cores 1-15, median of round medians (range)", cells, columns)
            return
        for name, m in members.items():  # cpu-topology-probe: <set>-<only>[-r<k>].json
            match = re.fullmatch(r"(.+)-(conv|linear)(-r\d+)?\.json", name)
            if not match:
                continue
            columns.append(match.group(1))
            for layer, impl, us in bench_rows(json.load(tar.extractfile(m))):
                cells[(layer, impl, match.group(1))].append(us)
    table(f"{path}: per core set, median of round medians (range)", cells, sorted(set(columns)))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        summarize(p)
