#!/usr/bin/env python3
"""The host's speed at one moment of a device call, in one line: two fixed CPU-only jobs on the run's own CPU-side
cores, timed by the bundle's engine. A memory-bound GEMV (linear M1 N4096 K4096, 67 MB of weights) and a
compute-bound GEMM (linear M64 N3072 K768), 40 samples each, about a second in all. Logged after round 1, after the
confirmation pass and after the retest (scripts/device-round.sh), it shows when a host's speed moved within a call:
pocl-split linear 2201Z's confirmation pass and retest ran 1.3x slower than its round 1, and the retest could only
say so afterwards.

usage: host-canary.py ENGINE PLAN.json LABEL   (PLAN: the round's plan, for its device selector and CPU cores)
prints: canary LABEL: gemv M1 N4096 K4096 <us> us, gemm M64 N3072 K768 <us> us (<threads> threads)
"""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'native', 'bench'))
from engine_io import run_engine_plan  # noqa: E402  (the bench scripts' one way to run a plan)

JOBS = [("gemv M1 N4096 K4096", {"type": "linear", "M": 1, "N": 4096, "K": 4096}),
        ("gemm M64 N3072 K768", {"type": "linear", "M": 64, "N": 3072, "K": 768})]


def main(engine, plan_path, label):
    plan = json.load(open(plan_path))
    cores = plan.get("cpuAffinity") or []
    threads = len(cores) or os.cpu_count() or 1
    jobs = [{"id": f"canary/{name}", "kind": "layer", "layer": layer,
             "strategy": {"splitRatio": 1, "granularity": 1, "cpuThreads": threads, "cpuImpl": "simd",
                          "gpuVariant": "gemv_row", "gpuWorkGroup": 64, "sync": "finish"},
             "warmup": 5, "minSamples": 40, "maxSamples": 40, "minTimeMs": 1, "maxTimeMs": 5000, "seed": 1}
            for name, layer in JOBS]
    canary = {k: v for k, v in plan.items() if k != "jobs"}
    canary.update(planId=f"host-canary-{label}", jobs=jobs)
    lines = run_engine_plan(engine, canary, os.environ.copy())
    cells = []
    for name, _ in JOBS:
        r = lines.get(f"canary/{name}", {})
        samples = r.get("samplesNs") or []
        cells.append(f"{name} {statistics.median(samples) / 1e3:.1f} us" if r.get("status") == "ok" and samples else f"{name} {r.get('status', 'missing')}")
    print(f"canary {label}: {', '.join(cells)} ({threads} threads)")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-2])
    try:
        main(*sys.argv[1:])
    except Exception as e:  # a canary must never stop the round it watches
        print(f"canary {sys.argv[3]}: failed ({type(e).__name__}: {e})")
