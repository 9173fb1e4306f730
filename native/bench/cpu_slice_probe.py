#!/usr/bin/env python3
"""Where the CPU slice's extra time in co-execution comes from (issue 12: the slice inside co-execution <= 1.1x its
CPU-only time; round 19 found 1.10-1.23x on three layers while the median over layers is about 1.0). A benchmark,
not a test. For each named workload, with R = the CPU's rows at r = 0.5 (N or F / 2), three jobs on the same R
rows, same threads, cores and driver core, run ROUNDS times in turn in one engine process:
  cpu-alone   the layer cut to R rows, CPU only (plain host memory);
  coexec-1    the layer cut to R + 1 rows, split R : 1 (the whole co-execution path, pinned X and Y, the driver
              thread's calls and wait, but a GPU share of one row: next to no GPU work or traffic);
  coexec-half the whole layer split R : R (as the datapath benchmark).
CPU slice = cpuSideNs (CPU only) or breakdownMedianNs.cpuSlice (co-executed), median per job; the ratios are
per round, then the median over rounds. coexec-1 ~ coexec-half > 1.1 says the path itself (memory, driver thread)
slows the slice; coexec-1 ~ 1 < coexec-half says the GPU's concurrent work does.
usage: cpu_slice_probe.py --out DIR [--workloads a,b] [--cores 1-15 --driver-core 0 --rounds 5 --syncs finish]"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from datapath_bench import cut, gpu_variant, median, out_dim, parse_cores, run_plan, sync_overhead_layers  # noqa: E402


def rounded(v):
    return None if v is None else round(v, 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--engine", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "coexec-engine"))
    ap.add_argument("--workloads", default="resnet18/layer4-3x3,gpt2/attn-qkv-m1,bert-base/ffn-up-m1")
    ap.add_argument("--cores", default="1-15")
    ap.add_argument("--driver-core", type=int, default=0)
    ap.add_argument("--device-cores", default="")
    ap.add_argument("--device-type", default="gpu-or-cpu")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--syncs", default="finish")
    ap.add_argument("--linear-variant", default="gemv_vec4")
    ap.add_argument("--linear-wg", type=int, default=64)
    ap.add_argument("--conv-variant", default="conv_direct")
    ap.add_argument("--conv-wg", type=int, default=64)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    threads = max(1, len(parse_cores(a.cores)))
    layers = dict(sync_overhead_layers())
    wanted = [w for w in a.workloads.split(",") if w]
    unknown = [w for w in wanted if w not in layers]
    if unknown:
        sys.exit(f"cpu_slice_probe: not in the sync-overhead experiment: {unknown}")
    syncs = [s for s in a.syncs.split(",") if s]
    meas = {"warmup": 20, "minSamples": a.samples, "minTimeMs": 200, "maxSamples": 20 * a.samples, "maxTimeMs": 4000, "seed": 5}

    def job(jid, layer, cpu_rows, sync):
        out = layer[out_dim(layer)]
        v, wg = gpu_variant(layer, a)
        cpu = "simd" if layer["type"] == "linear" else "simd-im2col"
        return dict(meas, id=jid, kind="layer", layer=layer,
                    strategy={"splitRatio": cpu_rows / out, "granularity": 1, "cpuThreads": threads, "cpuImpl": cpu,
                              "gpuVariant": v if cpu_rows < out else "none", "gpuWorkGroup": wg, "sync": sync})

    jobs = []
    for rnd in range(a.rounds):
        for w in wanted:
            layer = layers[w]
            r = layer[out_dim(layer)] // 2
            jobs.append(job(f"{w}/cpu-alone/{rnd}", cut(layer, r), r, "finish"))
            for s in syncs:
                jobs.append(job(f"{w}/coexec-1/{s}/{rnd}", cut(layer, r + 1), r, s))
                jobs.append(job(f"{w}/coexec-half/{s}/{rnd}", cut(layer, 2 * r), r, s))
    res = run_plan(argparse.Namespace(engine=a.engine, device_type=a.device_type, cores=a.cores, driver_core=a.driver_core,
                                      device_cores=a.device_cores, verbose=a.verbose), jobs)

    def slice_us(r, alone):
        if not r or r["status"] != "ok":
            return None
        ns = median(r["cpuSideNs"]) if alone else r.get("breakdownMedianNs", {}).get("cpuSlice")
        return None if ns is None else ns / 1e3

    rows = []
    for w in wanted:
        for s in syncs:
            per_round = []
            for rnd in range(a.rounds):
                alone = slice_us(res.get(f"{w}/cpu-alone/{rnd}"), True)
                one = slice_us(res.get(f"{w}/coexec-1/{s}/{rnd}"), False)
                half = slice_us(res.get(f"{w}/coexec-half/{s}/{rnd}"), False)
                per_round.append({"cpuAloneUs": alone, "coexec1Us": one, "coexecHalfUs": half,
                                  "ratio1": round(one / alone, 3) if alone and one else None,
                                  "ratioHalf": round(half / alone, 3) if alone and half else None})
            rows.append({"workload": w, "sync": s, "cpuRows": layers[w][out_dim(layers[w])] // 2,
                         "ratio1": rounded(median([p["ratio1"] for p in per_round])),
                         "ratioHalf": rounded(median([p["ratioHalf"] for p in per_round])), "rounds": per_round})
    doc = {"schemaVersion": 1, "benchmark": "cpu-slice probe (issue 12)", "definitions": __doc__,
           "setup": {"cores": parse_cores(a.cores), "driverCore": a.driver_core, "threads": threads, "rounds": a.rounds,
                     "command": " ".join(sys.argv)},
           "device": next((r["device"] for r in res.values() if "device" in r), None), "rows": rows}
    json.dump(doc, open(os.path.join(a.out, "cpu-slice-probe.json"), "w"), indent=1)
    print("| workload | sync | CPU rows | coexec-1 / alone | coexec-half / alone |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workload']} | {r['sync']} | {r['cpuRows']} | {r['ratio1']} | {r['ratioHalf']} |")


if __name__ == "__main__":
    main()
