#!/usr/bin/env python3
"""Split-dimension benchmark (not a test; issue 12 item 4): per layer and mechanism, the best co-executed
latency over split ratios along the default dimension (conv2d output channels F, linear features N) against
the other one (conv2d output height P, linear rows M), and the single sides alone for scale. Every round runs all jobs of the benchmark in one engine run, in a
seeded shuffled order, so the two dimensions are measured back to back under the same machine state; the
comparison is the ratio best(height) / best(channels) per round, summarised as its median over rounds.

  python3 native/bench/split_dim_bench.py --out DIR [--rounds 3] [--threads 1] [--cores 0,1 | 1-15] \
      [--driver-core 0] [--device-type gpu-or-cpu] [--syncs finish,svm-fine] [--ratios 0.1,...,0.9] \
      [--layers NAME,...] [--variant-1x1 V:WG] [--variant-kxk V:WG] [--variant-linear V:WG]
On the GPU host (NVIDIA OpenCL; the PoCL device with --device-type cpu):
  OCL_ICD_VENDORS=/path/to/icd-folder python3 native/bench/split_dim_bench.py --out DIR --rounds 5 \
      --threads 15 --cores 1-15 --driver-core 0 --device-type gpu --syncs finish,event-poll,svm-coarse \
      --layers resnet50/conv2_1x1,mobilenetv2/b3-project,resnet18/layer2-down,resnet18/layer3-3x3,bert-base/ffn-up-m8

Writes DIR/split-dim.json (every job's median per round, the per-round bests and the summary) and prints a
Markdown table. Engine: native/build/coexec-engine (build it first: scripts/build-engine.sh).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys

from engine_io import run_engine_plan

# Reference layers (configs/workloads): a 1x1 with many channels, a 1x1 with few output channels (where a
# channel split has little to share), a strided 3x3 (halo rows and stride on the height split).
LAYERS = {
    "resnet50/conv2_1x1": {"C": 64, "H": 56, "W": 56, "F": 64, "R": 1, "S": 1, "strideH": 1, "strideW": 1, "padH": 0, "padW": 0},
    "mobilenetv2/b3-project": {"C": 144, "H": 56, "W": 56, "F": 24, "R": 1, "S": 1, "strideH": 1, "strideW": 1, "padH": 0, "padW": 0},
    "resnet18/layer2-down": {"C": 64, "H": 56, "W": 56, "F": 128, "R": 3, "S": 3, "strideH": 2, "strideW": 2, "padH": 1, "padW": 1},
    "resnet18/layer3-3x3": {"C": 256, "H": 14, "W": 14, "F": 256, "R": 3, "S": 3, "strideH": 1, "strideW": 1, "padH": 1, "padW": 1},
    "bert-base/ffn-up-m8": {"type": "linear", "M": 8, "N": 3072, "K": 768},
    "bert-base/ffn-up-m64": {"type": "linear", "M": 64, "N": 3072, "K": 768},
}
DEFAULT_LAYERS = "resnet50/conv2_1x1,mobilenetv2/b3-project,resnet18/layer2-down"
# The register-tiled variants that ran fastest GPU-only on PoCL (2-core VM) per layer kind.
DEFAULT_VARIANTS = {"1x1": "conv_reg_1x1_v16_q4:1", "kxk": "conv_reg_v16_q4:1", "linear": "linear_reg_v16_m8:1"}


def layer_of(name):
    spec = dict(LAYERS[name])
    return dict(spec) if spec.get("type") == "linear" else dict(type="conv2d", batch=1, **spec)


def kind_of(layer):
    if layer["type"] == "linear":
        return "linear"
    one = layer["R"] == 1 and layer["S"] == 1 and layer["strideH"] == 1 and layer["strideW"] == 1 and layer["padH"] == 0 and layer["padW"] == 0
    return "1x1" if one else "kxk"


def dims_of(layer):
    return ("n", "m") if layer["type"] == "linear" else ("channels", "height")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="native/build/coexec-engine")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cores", default="")
    ap.add_argument("--driver-core", type=int)
    ap.add_argument("--device-type", default="gpu-or-cpu")
    ap.add_argument("--syncs", default="finish,svm-fine")
    ap.add_argument("--ratios", default="0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9")
    ap.add_argument("--layers", default=DEFAULT_LAYERS)
    for k in DEFAULT_VARIANTS:
        ap.add_argument(f"--variant-{k}", default=DEFAULT_VARIANTS[k], help="VARIANT:WORKGROUP")
    ap.add_argument("--min-samples", type=int, default=15)
    ap.add_argument("--min-time-ms", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    syncs = a.syncs.split(",")
    ratios = [float(r) for r in a.ratios.split(",")]
    names = a.layers.split(",")
    meas = {"warmup": 3, "minSamples": a.min_samples, "minTimeMs": a.min_time_ms, "maxSamples": 400, "maxTimeMs": 1500, "seed": 5}

    def variant_for(layer):
        v, wg = getattr(a, "variant_" + kind_of(layer)).split(":")
        return v, int(wg)

    cores = []
    for part in filter(None, a.cores.split(",")):
        lo, _, hi = part.partition("-")
        cores += list(range(int(lo), int(hi or lo) + 1))
    jobs, meta = [], {}
    for name in names:
        layer = layer_of(name)
        variant, wg = variant_for(layer)
        base = {"granularity": 1, "cpuThreads": a.threads, "cpuImpl": "simd" if layer["type"] == "linear" else "simd-im2col",
                "gpuVariant": variant, "gpuWorkGroup": wg}

        def add(jid, strategy, **m):
            jobs.append(dict(meas, id=jid, kind="layer", layer=layer, strategy=dict(base, **strategy)))
            meta[jid] = dict(layer=name, **m)

        add(f"{name}/cpu-only", {"splitRatio": 1, "sync": "finish"}, kind="cpu-only")
        for sync in syncs:
            add(f"{name}/gpu-only/{sync}", {"splitRatio": 0, "sync": sync}, kind="gpu-only", sync=sync)
            for dim in dims_of(layer):
                for r in ratios:
                    add(f"{name}/{dim}/r{r}/{sync}", {"splitRatio": r, "sync": sync, "splitDim": dim},
                        kind="coexec", sync=sync, dim=dim, ratio=r)
    env = dict(os.environ)
    rounds = []
    rng = random.Random(a.seed)
    for k in range(a.rounds):
        order = jobs[:]
        rng.shuffle(order)
        plan = {"schemaVersion": 1, "planId": f"split-dim-r{k + 1}", "device": {"deviceType": a.device_type},
                "cpuAffinity": cores, "jobs": order}
        if a.driver_core is not None:
            plan["driverCore"] = a.driver_core
        res = run_engine_plan(a.engine, plan, env)
        bad = {j: (r["status"], r.get("reason")) for j, r in res.items() if r["status"] != "ok"}
        if bad:
            print(f"round {k + 1}: not ok: {bad}", file=sys.stderr)
        rounds.append({j: {"medianNs": r.get("medianNs"), "status": r["status"], "cpuRows": r.get("resolved", {}).get("cpuRows"),
                           "gpuInputFloats": r.get("resolved", {}).get("gpuInputFloats"),
                           "hostMemory": r.get("resolved", {}).get("hostMemory")} for j, r in res.items()})
        device = next((r.get("device") for r in res.values() if r.get("device")), None)

    def best(rnd, name, sync, dim):
        cands = [(rnd[j]["medianNs"], meta[j]["ratio"]) for j in rnd
                 if meta[j].get("kind") == "coexec" and meta[j]["layer"] == name and meta[j]["sync"] == sync
                 and meta[j]["dim"] == dim and rnd[j]["status"] == "ok"]
        return min(cands) if cands else (None, None)

    summary = []
    # Conv2d rows keep the names channels / height; linear rows use them for n / m.
    print("| layer | sync | best channels or n, ms (r) | best height or m, ms (r) | height / channels per round | median | CPU only ms | GPU only ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        default_dim, other_dim = dims_of(layer_of(name))
        for sync in syncs:
            per = []
            for rnd in rounds:
                c, h = best(rnd, name, sync, default_dim), best(rnd, name, sync, other_dim)
                per.append({"channelsNs": c[0], "channelsRatio": c[1], "heightNs": h[0], "heightRatio": h[1],
                            "heightOverChannels": (h[0] / c[0]) if c[0] and h[0] else None,
                            "cpuOnlyNs": rnd[f"{name}/cpu-only"]["medianNs"], "gpuOnlyNs": rnd[f"{name}/gpu-only/{sync}"]["medianNs"]})
            q = [p["heightOverChannels"] for p in per if p["heightOverChannels"]]
            row = {"layer": name, "sync": sync, "dims": [default_dim, other_dim], "rounds": per,
                   "medianHeightOverChannels": statistics.median(q) if q else None}
            summary.append(row)
            ms = lambda ns: f"{ns / 1e6:.3f}" if ns else "-"
            last = per[-1]
            print(f"| {name} | {sync} | {' / '.join(ms(p['channelsNs']) + ' (' + str(p['channelsRatio']) + ')' for p in per)} | "
                  f"{' / '.join(ms(p['heightNs']) + ' (' + str(p['heightRatio']) + ')' for p in per)} | "
                  f"{' / '.join(f'{x:.2f}' for x in q)} | {row['medianHeightOverChannels'] or float('nan'):.2f} | "
                  f"{' / '.join(ms(p['cpuOnlyNs']) for p in per)} | {' / '.join(ms(p['gpuOnlyNs']) for p in per)} |")
    os.makedirs(a.out, exist_ok=True)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip() != ""
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = None, None
    doc = {"schemaVersion": 1, "generator": "native/bench/split_dim_bench.py", "label": a.label, "device": device,
           "git": {"commit": commit, "dirty": dirty},
           "settings": {"threads": a.threads, "cores": cores, "driverCore": a.driver_core, "syncs": syncs, "ratios": ratios,
                        "rounds": a.rounds, "measurement": meas, "layers": {n: layer_of(n) for n in names},
                        "variants": {n: variant_for(layer_of(n)) for n in names}},
           "summary": summary, "rawRounds": rounds, "jobs": meta}
    with open(os.path.join(a.out, "split-dim.json"), "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {os.path.join(a.out, 'split-dim.json')}")


if __name__ == "__main__":
    main()
