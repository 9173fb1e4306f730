#!/usr/bin/env python3
"""GPU streams benchmark (issue 14; a benchmark, not a test): GPU-only finish jobs of the reference layers with
strategy.gpuStreams 1, 2, 4 and 8 (the GPU's share in chunks along M / the output height, each chunk's copy in,
kernels and read-back on its own queue, so that copies overlap kernels on a discrete GPU; sync_streams.cpp).

Each layer runs with the fastest GPU variant of the H200 kernel benchmark
(results/benchmarks/gpu-host-20261203-round3/kernels-nvidia.json, bestByLayer). Every round is one engine run
of all jobs in a seeded shuffled order, so the stream counts alternate under the same machine state; a job's
latency is the median over rounds of its round median. Writes OUT_DIR/streams-bench.json: per (layer, k) the
median latency, each round's median, k's latency over k = 1's per round and their median, the median profiled
GPU span (first chunk's kernel start to last chunk's kernel end, copies between included) and the resolved
stream count; and prints a Markdown table. Needs python3 (stdlib only) and a built engine (cmake; no Node).

On the GPU host (NVIDIA OpenCL through the ICD folder, as the other bench scripts):
  OCL_ICD_VENDORS=/path/to/icd-folder python3 native/bench/streams_bench.py OUT_DIR --device-type gpu \
      --driver-core 0 [--rounds 3] [--streams 1,2,4,8] [--layers NAME,...] [--engine native/build/coexec-engine]
Locally (PoCL; pinned-copy is forced so the chunked path runs, timings meaningless):
  COEXEC_HOST_MEMORY=pinned-copy python3 native/bench/streams_bench.py /tmp/sb --samples 3 --layers linear-64x768x3072
"""
import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_io import run_engine_plan  # noqa: E402
from kernel_bench import parse_cores  # noqa: E402


def conv(C, H, F, R, stride, pad):
    return {"type": "conv2d", "batch": 1, "C": C, "H": H, "W": H, "F": F, "R": R, "S": R, "strideH": stride,
            "strideW": stride, "padH": pad, "padW": pad}


# (name, layer, variant, gpuWorkGroup): the H200's fastest GPU-only variant per layer (round 3, by layer time).
LAYERS = [
    ("linear-64x768x3072", {"type": "linear", "M": 64, "N": 3072, "K": 768}, "gemm_local_32x64x16_4x4", 1),
    ("linear-256x768x3072", {"type": "linear", "M": 256, "N": 3072, "K": 768}, "gemm_local_64x128x16_8x8", 1),
    ("conv-256x56x56-f64-1x1", conv(256, 56, 64, 1, 1, 0), "conv_local_64x32x16_4x4", 1),
    ("conv-64x56x56-f64-3x3", conv(64, 56, 64, 3, 1, 1), "conv_local_64x32x16_4x4", 1),
    ("conv-stem-3x224x224-f64-7x7s2", conv(3, 224, 64, 7, 2, 3), "conv_local_64x128x8_8x8", 1),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--engine", default="native/build/coexec-engine")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--streams", default="1,2,4,8")
    ap.add_argument("--layers", default=",".join(n for n, *_ in LAYERS))
    ap.add_argument("--sync", default="finish", choices=["finish", "event-poll"])
    ap.add_argument("--device-type", default="gpu-or-cpu", choices=["gpu", "cpu", "gpu-or-cpu"])
    ap.add_argument("--platform", default="", help="substring of the OpenCL platform name")
    ap.add_argument("--driver-core", type=int, default=None, help="core of the GPU-driver thread (plan driverCore)")
    ap.add_argument("--cores", default="", help="plan cpuAffinity (unused by GPU-only jobs; recorded)")
    ap.add_argument("--samples", type=int, default=200, help="minSamples per job (maxSamples 1.5x)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    wanted = a.layers.split(",")
    unknown = [n for n in wanted if n not in {n for n, *_ in LAYERS}]
    if unknown:
        ap.error(f"unknown layer(s) {', '.join(unknown)} (expected {', '.join(n for n, *_ in LAYERS)})")
    streams = [int(k) for k in a.streams.split(",")]
    meas = {"warmup": 20, "minSamples": a.samples, "maxSamples": a.samples * 3 // 2, "minTimeMs": 0,
            "maxTimeMs": 4000, "seed": 7}
    jobs, meta = [], {}
    for name, layer, variant, wg in LAYERS:
        if name not in wanted:
            continue
        for k in streams:
            jid = f"{name}/streams:{k}"
            strategy = {"splitRatio": 0, "granularity": 1, "cpuThreads": 1,
                        "cpuImpl": "simd" if layer["type"] == "linear" else "simd-im2col", "gpuVariant": variant,
                        "gpuWorkGroup": wg, "sync": a.sync}
            if k != 1:
                strategy["gpuStreams"] = k
            jobs.append(dict(meas, id=jid, kind="layer", layer=layer, strategy=strategy))
            meta[jid] = {"layer": name, "streams": k, "variant": variant}

    env = dict(os.environ)
    rng = random.Random(a.seed)
    rounds, device = [], None
    for r in range(a.rounds):
        order = jobs[:]
        rng.shuffle(order)
        plan = {"schemaVersion": 1, "planId": f"streams-r{r + 1}",
                "device": {"platformContains": a.platform, "deviceContains": "", "deviceType": a.device_type},
                "cpuAffinity": parse_cores(a.cores), "jobs": order}
        if a.driver_core is not None:
            plan["driverCore"] = a.driver_core
        res = run_engine_plan(a.engine, plan, env)
        bad = {j: (x["status"], x.get("reason")) for j, x in res.items() if x["status"] != "ok"}
        if bad:
            print(f"round {r + 1}: not ok: {bad}", file=sys.stderr)
        got = {}
        for jid, x in res.items():
            spans = [t[3] - t[2] for t in x.get("gpuTimestampsNs", [])]
            got[jid] = {"status": x["status"], "medianNs": x.get("medianNs"),
                        "gpuSpanMedianNs": statistics.median(spans) if spans else None,
                        "gpuStreams": x.get("resolved", {}).get("gpuStreams"),
                        "hostMemory": x.get("resolved", {}).get("hostMemory"),
                        "gpuSubmit": x.get("resolved", {}).get("gpuSubmit"),
                        "checkPassed": x.get("check", {}).get("passed")}
            device = device or x.get("device")
        rounds.append(got)

    summary = []
    print(f"| layer | variant | k | resolved k | median us | rounds us | vs k=1 (median of rounds) | GPU span us |")
    print("|---|---|---|---|---|---|---|---|")
    for name, _layer, variant, _wg in LAYERS:
        if name not in wanted:
            continue
        base = f"{name}/streams:1"
        for k in streams:
            jid = f"{name}/streams:{k}"
            per = [rnd.get(jid, {}) for rnd in rounds]
            med = [p["medianNs"] for p in per if p.get("status") == "ok" and p.get("medianNs")]
            ratios = [p["medianNs"] / rnd[base]["medianNs"] for p, rnd in zip(per, rounds)
                      if p.get("status") == "ok" and rnd.get(base, {}).get("status") == "ok" and rnd[base].get("medianNs")]
            spans = [p["gpuSpanMedianNs"] for p in per if p.get("gpuSpanMedianNs")]
            row = {"layer": name, "variant": variant, "streams": k,
                   "resolvedStreams": next((p.get("gpuStreams") for p in per if p.get("gpuStreams") is not None), None),
                   "medianNs": statistics.median(med) if med else None, "roundMediansNs": med,
                   "vsOneStreamPerRound": ratios, "vsOneStream": statistics.median(ratios) if ratios else None,
                   "gpuSpanMedianNs": statistics.median(spans) if spans else None,
                   "statuses": [p.get("status") for p in per], "checksPassed": all(p.get("checkPassed") for p in per)}
            summary.append(row)
            us = lambda v: f"{v / 1000:.1f}" if v else "-"  # noqa: E731
            print(f"| {name} | {variant} | {k} | {row['resolvedStreams']} | {us(row['medianNs'])} | "
                  f"{' '.join(us(v) for v in med)} | {row['vsOneStream']:.3f} | {us(row['gpuSpanMedianNs'])} |"
                  if row["vsOneStream"] is not None else
                  f"| {name} | {variant} | {k} | {row['resolvedStreams']} | {us(row['medianNs'])} | - | - | - |")

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    os.makedirs(a.out, exist_ok=True)
    doc = {"schemaVersion": 1, "benchmark": "streams", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
           "engineCommit": commit, "device": device,
           "settings": {"rounds": a.rounds, "streams": streams, "sync": a.sync, "deviceType": a.device_type,
                        "platform": a.platform, "driverCore": a.driver_core, "measurement": meas, "seed": a.seed,
                        "hostMemoryEnv": os.environ.get("COEXEC_HOST_MEMORY")},
           "summary": summary, "rounds": rounds}
    path = os.path.join(a.out, "streams-bench.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
