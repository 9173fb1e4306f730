#!/usr/bin/env python3
"""Prints the per-shape table of one or more kernel-bench.json files (native/bench/kernel_bench.py): the CPU side's
best implementation, the GPU side's best configuration by layer latency, their ratio (CPU latency / GPU latency,
issue 13's measure: >= 1 means the GPU side is as fast) and the same ratio for each GPU sync mechanism measured.
Shapes with no GPU finalist (not in the screen file) are left out.
usage: native/bench/kernel_bench_table.py FILE [FILE...]"""
import json
import sys


def rows(path):
    bench = json.load(open(path))
    yield f"\n{path} (engine {bench.get('engineCommit', '?')[:7]}, {bench.get('date', '?')})\n"
    yield "| shape | CPU side (us) | GPU side, best by layer (us) | CPU / GPU | CPU / GPU by sync |"
    yield "| --- | --- | --- | --- | --- |"
    for shape in bench["shapes"]:
        finalists = [f for f in shape["gpu"].get("finalists", []) if f.get("status") == "ok"]
        cpu, gpu = (shape.get("cpu") or {}).get("best"), shape["gpu"].get("bestByLayer")
        if not finalists or not cpu or not gpu:
            continue
        by_sync = {}
        for f in finalists:
            by_sync[f["sync"]] = min(by_sync.get(f["sync"], float("inf")), f["latencyMs"])
        kernel = f", kernel {gpu['kernelMs'] * 1e3:.1f}" if gpu.get("kernelMs") else ""
        yield (f"| {shape['name']} | {cpu['cpuImpl']} {cpu['latencyMs'] * 1e3:.1f} | {gpu['variant']}@{gpu['workGroup']} "
               f"{gpu['sync']} {gpu['latencyMs'] * 1e3:.1f}{kernel} | **{cpu['latencyMs'] / gpu['latencyMs']:.2f}** | "
               + ", ".join(f"{s} {cpu['latencyMs'] / ms:.2f}" for s, ms in sorted(by_sync.items())) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        print("\n".join(rows(p)))
