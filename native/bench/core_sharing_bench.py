#!/usr/bin/env python3
"""Do two groups of cores slow each other down? (a benchmark, not a test). Writes OUT/core-sharing.json.

Co-execution on pocl-split only pays if PoCL's cores and the CPU slice's cores compute independently. This
times one compute-bound CPU-only layer (linear M=128 N=3072 K=768, 8 threads, our simd GEMM) with the engine:
  alone/<set>       8 threads pinned to one set of cores, nothing else running;
  together/<a>+<b>  the same job on set a while a second engine runs it on set b (both start together and run
                    for the same time), reported for a;
and a 16-thread run over both sets; then pairs of single cores: one thread of a small cache-resident layer
(linear M=64 N=256 K=256, 128 KB of weights) on core 0 alone and beside the same job on core p, for several p
(a hyperthread sibling of core 0 shows a ratio near 2, a separate physical core about 1). If the two halves of the machine were independent, together/a+b would
match alone/a; a ratio near 2 means the sets share physical cores (hyperthreads of the host under the VM's
vCPUs) or one power or cache budget.
"""
import argparse
import json
import os
import platform
import sys
import threading
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(__file__))
from engine_io import run_engine_plan  # noqa: E402

LAYER = {"type": "linear", "M": 128, "N": 3072, "K": 768}
SMALL_LAYER = {"type": "linear", "M": 64, "N": 256, "K": 256}
PAIR_PARTNERS = [1, 2, 7, 8, 9, 15]
SETS = {"0-7": list(range(8)), "8-15": list(range(8, 16)), "even": list(range(0, 16, 2)),
        "odd": list(range(1, 16, 2))}


def plan(cores, threads, samples, label, layer=LAYER):
    job = {"id": label, "kind": "layer", "layer": layer, "warmup": 5, "minSamples": samples,
           "maxSamples": samples, "minTimeMs": 0, "maxTimeMs": 60000, "seed": 3,
           "strategy": {"splitRatio": 1, "granularity": 1, "cpuThreads": threads, "cpuImpl": "simd",
                        "gpuVariant": "none", "gpuWorkGroup": 1, "sync": "finish"}}
    return {"schemaVersion": 1, "planId": "core-sharing", "device": {"deviceType": "gpu-or-cpu"},
            "cpuAffinity": cores, "jobs": [job]}


def median_us(result):
    s = sorted(result["samplesNs"])
    return round(s[len(s) // 2] / 1e3, 1)


def run_pair(engine, a, b, samples, threads=8, layer=LAYER):
    """Runs the job on core lists a and b at once; returns the two medians (us)."""
    out = {}

    def one(key, cores):
        job_plan = plan(cores, threads, samples, key, layer)
        out[key] = median_us(next(iter(run_engine_plan(engine, job_plan, dict(os.environ)).values())))
    ts = [threading.Thread(target=one, args=("a", a)), threading.Thread(target=one, args=("b", b))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out["a"], out["b"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--engine", default=os.path.join(os.path.dirname(__file__), "..", "build", "coexec-engine"))
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for rep in range(a.repeats):
        for name in SETS:
            r = run_engine_plan(a.engine, plan(SETS[name], 8, a.samples, f"alone/{name}"), dict(os.environ))
            rows.append({"repeat": rep, "case": f"alone/{name}", "medianUs": median_us(next(iter(r.values())))})
        r = run_engine_plan(a.engine, plan(list(range(16)), 16, a.samples, "alone/0-15"), dict(os.environ))
        rows.append({"repeat": rep, "case": "alone/0-15 (16 threads)", "medianUs": median_us(next(iter(r.values())))})
        for x, y in (("0-7", "8-15"), ("even", "odd")):
            ua, ub = run_pair(a.engine, SETS[x], SETS[y], a.samples)
            rows.append({"repeat": rep, "case": f"together/{x}+{y}", "medianUs": ua})
            rows.append({"repeat": rep, "case": f"together/{y}+{x}", "medianUs": ub})
        if os.cpu_count() and os.cpu_count() > max(PAIR_PARTNERS):
            r = run_engine_plan(a.engine, plan([0], 1, a.samples * 4, "pair/0 alone", SMALL_LAYER), dict(os.environ))
            rows.append({"repeat": rep, "case": "pair/0 alone", "medianUs": median_us(next(iter(r.values())))})
            for p in PAIR_PARTNERS:
                u0, _ = run_pair(a.engine, [0], [p], a.samples * 4, threads=1, layer=SMALL_LAYER)
                rows.append({"repeat": rep, "case": f"pair/0 beside {p}", "medianUs": u0})
    cases = sorted({r["case"] for r in rows})
    med = {c: sorted(r["medianUs"] for r in rows if r["case"] == c)[a.repeats // 2] for c in cases}
    summary = {c: med[c] for c in cases}
    for p in PAIR_PARTNERS:
        if f"pair/0 beside {p}" in med:
            summary[f"slowdown core 0 beside core {p}"] = round(med[f"pair/0 beside {p}"] / med["pair/0 alone"], 3)
    for x, y in (("0-7", "8-15"), ("8-15", "0-7"), ("even", "odd"), ("odd", "even")):
        summary[f"slowdown {x} beside {y}"] = round(med[f"together/{x}+{y}"] / med[f"alone/{x}"], 3)
    doc = {"schemaVersion": 1, "benchmark": "core-sharing", "date": datetime.now(timezone.utc).isoformat(),
           "host": platform.node(), "layer": LAYER, "threadsPerSet": 8, "samples": a.samples,
           "repeats": a.repeats, "summary": summary, "rows": rows}
    with open(os.path.join(a.out, "core-sharing.json"), "w") as f:
        json.dump(doc, f, indent=1)
    for k, v in summary.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
