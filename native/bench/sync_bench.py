#!/usr/bin/env python3
"""Sync-mechanism benchmark (not a test): bare round trips per mechanism, then the layer-level overhead
of each mechanism, the GPU variants side by side (CLBlast included), and the waiting policy. Prints Markdown tables; --json FILE also writes
the rows. Run through native/bench/sync-bench.sh.

Layer-level overhead of a mechanism = median co-executed latency - the slower side alone, where
  CPU side alone = median latency of a CPU-only layer with just the CPU's rows (N = cpuRows, ratio 1),
  GPU side alone = median kernel time (profiling end - start) of a GPU-only layer with just the GPU's
                   rows (N = gpuRows, ratio 0, sync finish),
so every mechanism is compared against the same floor.
"""
import argparse
import json
import os
import sys

from engine_io import run_engine_plan


def median(v):
    v = sorted(v)
    n = len(v)
    return 0 if n == 0 else (v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2)


def run_plan(engine, jobs, env):
    return run_engine_plan(engine, {"schemaVersion": 1, "planId": "sync-bench", "device": {"deviceType": "gpu-or-cpu"},
                                    "jobs": jobs}, env)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="native/build/coexec-engine")
    ap.add_argument("--N", type=int, default=1024)
    ap.add_argument("--K", type=int, default=1024)
    ap.add_argument("--ratio", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--variant", default="gemv_row")
    ap.add_argument("--wg", type=int, default=64)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--json")
    a = ap.parse_args()
    env = dict(os.environ)
    meas = {"warmup": 10, "minSamples": a.samples, "minTimeMs": 200, "maxSamples": 10 * a.samples, "maxTimeMs": 5000}
    syncs = ["finish", "event-poll", "svm-coarse", "svm-fine"]

    def layer_job(jid, N, ratio, sync, variant=a.variant, wg=a.wg):
        return dict(meas, id=jid, kind="layer", layer={"type": "linear", "M": 1, "N": N, "K": a.K}, seed=3,
                    strategy={"splitRatio": ratio, "granularity": 1, "cpuThreads": a.threads, "cpuImpl": "simd",
                              "gpuVariant": variant, "gpuWorkGroup": wg, "sync": sync})

    cpu_rows = round(a.ratio * a.N)
    jobs = [dict(meas, id=f"rt/{s}", kind="roundtrip", strategy={"sync": s}) for s in syncs]
    jobs.append(layer_job("cpu-alone", cpu_rows, 1.0, "finish"))
    jobs.append(layer_job("gpu-alone", a.N - cpu_rows, 0.0, "finish"))
    jobs += [layer_job(f"coexec/{s}", a.N, a.ratio, s) for s in syncs]
    jobs += [layer_job(f"gpu-only/{s}", a.N, 0.0, s) for s in syncs]
    variants = [("gemv_row", 64), ("gemv_vec4", 64), ("gemm_tiled", 16), ("clblast", 64)]
    jobs += [layer_job(f"variant/{v}-wg{wg}", a.N, 0.0, "finish", v, wg) for v, wg in variants]
    res = run_plan(a.engine, jobs, env)
    bad = [k for k, r in res.items() if r["status"] != "ok"]
    if bad:
        print("not ok:", {k: (res[k]["status"], res[k].get("reason")) for k in bad}, file=sys.stderr)

    def us(ns):
        return round(ns / 1e3, 1)

    rows = []
    print(f"## Round trip (minimal kernel), median over n samples\n\n| mechanism | n | median us | p10 us | p90 us |\n|---|---|---|---|---|")
    for s in syncs:
        r = res[f"rt/{s}"]
        v = sorted(r.get("samplesNs", [0]))
        print(f"| {s} | {len(v)} | {us(median(v))} | {us(v[len(v) // 10])} | {us(v[(9 * len(v)) // 10])} |")
        rows.append({"kind": "roundtrip", "mechanism": s, "roundTripUs": us(median(v))})
    cpu_alone = median(res["cpu-alone"]["samplesNs"])
    gpu_alone = median([t[3] - t[2] for t in res["gpu-alone"]["gpuTimestampsNs"]])
    slower = max(cpu_alone, gpu_alone)
    print(f"\n## Layer linear M=1 N={a.N} K={a.K}, ratio {a.ratio} ({cpu_rows} CPU rows, {a.threads} thread(s)), "
          f"{a.variant}-wg{a.wg}\n\nCPU side alone {us(cpu_alone)} us, GPU kernel alone {us(gpu_alone)} us, "
          f"slower side {us(slower)} us.\n\n| mechanism | co-exec median us | overhead us | GPU-only median us |\n|---|---|---|---|")
    for s in syncs:
        co = median(res[f"coexec/{s}"]["samplesNs"])
        go = median(res[f"gpu-only/{s}"]["samplesNs"])
        print(f"| {s} | {us(co)} | {us(co - slower)} | {us(go)} |")
        rows.append({"kind": "layer", "mechanism": s, "coexecUs": us(co), "slowerSideUs": us(slower),
                     "overheadUs": us(co - slower), "gpuOnlyUs": us(go)})
    print("\n## GPU variants, GPU only, sync finish\n\n| variant | median us | kernel median us |\n|---|---|---|")
    for v, wg in variants:
        r = res[f"variant/{v}-wg{wg}"]
        k = median([t[3] - t[2] for t in r["gpuTimestampsNs"]])
        print(f"| {v}-wg{wg} | {us(median(r['samplesNs']))} | {us(k)} |")
        rows.append({"kind": "variant", "variant": f"{v}-wg{wg}", "medianUs": us(median(r["samplesNs"])), "kernelUs": us(k)})
    print("\n## Waiting: pause spins before yielding (COEXEC_WAIT_SPINS), round trip median us\n\n"
          "| spins | event-poll | svm-fine |\n|---|---|---|")
    for spins in (0, 256, 100000):
        env_spins = dict(env, COEXEC_WAIT_SPINS=str(spins))
        rt = run_plan(a.engine, [dict(meas, id=f"rt/{s}", kind="roundtrip", strategy={"sync": s})
                                 for s in ("event-poll", "svm-fine")], env_spins)
        cells = [us(median(rt[f"rt/{s}"]["samplesNs"])) for s in ("event-poll", "svm-fine")]
        print(f"| {spins} | {cells[0]} | {cells[1]} |")
        rows.append({"kind": "wait", "spins": spins, "eventPollUs": cells[0], "svmFineUs": cells[1]})
    if a.json:
        json.dump({"schemaVersion": 1, "rows": rows}, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
