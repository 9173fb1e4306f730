#!/usr/bin/env python3
"""GPU-only 1x1 conv variants against the CPU side, one core a side (local-split's arrangement, svm-resident).

The screen behind the full profile's conv_pq_1x1_v*x2_f8 (s16): two 1x1 layers of the local-split runs
(C144 56x56 F24, C64 56x56 F64), each 1x1-capable register-tiled variant GPU-only with svm-resident on PoCL's
one worker (core 0), beside every CPU implementation on one thread (core 1); jobs shuffled, 5 rounds, medians
of the rounds' medians in us, every output checked by the engine (NaN: a failed job).
Usage: python3 native/bench/conv1x1_screen.py > OUT.txt   (a 2-core machine, nothing else running)
"""
import json, os, random, statistics, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_io import run_engine_plan
layers = {"C144F24": {"type": "conv2d", "batch": 1, "C": 144, "H": 56, "W": 56, "F": 24, "R": 1, "S": 1, "strideH": 1, "strideW": 1, "padH": 0, "padW": 0},
          "C64F64": {"type": "conv2d", "batch": 1, "C": 64, "H": 56, "W": 56, "F": 64, "R": 1, "S": 1, "strideH": 1, "strideW": 1, "padH": 0, "padW": 0}}
variants = ["conv_reg_1x1_v16x2_q4", "conv_reg_1x1_v16_q4", "conv_reg_1x1_v16x2_q8", "conv_reg_1x1_v8x2_q4", "conv_pq_1x1_v16_f16", "conv_pq_1x1_v16x2_f8", "conv_pq_1x1_v16_f8", "conv_pq_1x1_v8x2_f8", "conv_pq_1x1_v16x2_f4", "conv_pq_1x1_v16_f4"]
jobs = []
for ln, l in layers.items():
    for v in variants:
        jobs.append((f"{ln}#{v}", l, {"splitRatio": 0, "cpuThreads": 1, "cpuImpl": "simd-im2col", "gpuVariant": v, "gpuWorkGroup": 1, "sync": "svm-resident"}))
    for impl in ["simd-im2col", "simd-direct", "simd-flat", "openblas-im2col"]:
        jobs.append((f"{ln}#cpu-{impl}", l, {"splitRatio": 1, "cpuThreads": 1, "cpuImpl": impl, "gpuVariant": "none", "gpuWorkGroup": 1, "sync": "finish"}))
env = dict(os.environ, POCL_MAX_PTHREAD_COUNT="1", POCL_CPU_MAX_CU_NUM="1", POCL_AFFINITY="1")
t = {}
for rnd in range(5):  # jobs reshuffled every round
    random.shuffle(jobs)
    plan = {"schemaVersion": 1, "planId": "s", "device": {"deviceType": "cpu"}, "cpuAffinity": [1], "deviceCores": [0],
            "jobs": [{"id": i, "kind": "layer", "layer": l, "strategy": s, "warmup": 3, "minSamples": 20, "minTimeMs": 80, "maxSamples": 300, "maxTimeMs": 1000, "seed": 7} for i, l, s in jobs]}
    for jid, r in run_engine_plan(os.environ.get("COEXEC_ENGINE", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "coexec-engine")), plan, env).items():
        ok = r.get("status") == "ok" and r["check"]["passed"]
        t.setdefault(jid, []).append(r["medianNs"] / 1e3 if ok else float("nan"))
for jid in sorted(t, key=lambda j: (j.split('#')[0], statistics.median(t[j]))):
    print(jid, round(statistics.median(t[jid]), 1))
