#!/usr/bin/env python3
"""How the GPU side is submitted, on the GPU host: the fixed host cost per execution (issue 12/14).

Per target (nvidia: NVIDIA OpenCL, driver thread on core 0, CPU slice on cores 1-15; pocl-split: PoCL's CPU
device under taskset 0-7, driver thread on core 0, CPU slice on cores 8-15):
  1. coexec-enqueue-bench (native/bench/enqueue_bench.cpp) on the driver core: host time per OpenCL call and
     latency of each submit sequence (calls, calls without flush, blocking read, event poll, buffer-object
     copies, cl_khr_command_buffer replays) for linear M=1 768->3072 and resnet50/conv2_1x1, the GPU's rows of
     a 0.5 split, every execution checked -> enqueue-<target>.json
  2. the engine itself in three arms, back to back in processes whose order reverses every repeat
     (A B C C B A): calls on the plain timed queue (the default), calls with COEXEC_TIMED_QUEUE=profiling (the
     old one-queue arrangement) and command-buffer on the plain queue; the same two layers GPU-only and
     co-executed at 0.5, finish / event-poll / svm-coarse -> engine-<target>-<arm>-<repeat>.jsonl
Writes DIR/submit.json: the enqueue bench documents and, per engine job, the medians of every arm, their
enqueue breakdowns and the ratios command-buffer / calls and plain / profiling timed queue (calls /
calls-profiling-queue). Stdlib only (no Node on the GPU host).

usage: native/bench/submit_bench.py --out DIR [--target nvidia] [--target pocl-split] [--repeats 2] [--arms a,b]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from statistics import median

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "native", "build")

TARGETS = {
    "nvidia": {
        "device": {"deviceType": "gpu", "platformContains": "NVIDIA"}, "prefix": [], "env": {},
        "cores": list(range(1, 16)), "threads": 15,
        "linear": ("gemv_row", 64), "conv": ("conv_im2col_gemm", 16),
    },
    "pocl-split": {
        "device": {"deviceType": "cpu", "platformContains": "Portable"}, "prefix": ["taskset", "-c", "0-7"],
        "env": {"POCL_MAX_PTHREAD_COUNT": "8", "POCL_CPU_MAX_CU_NUM": "8", "POCL_AFFINITY": "1"},
        "cores": list(range(8, 16)), "threads": 8,
        "linear": ("linear_reg_v16x2_m1", 1), "conv": ("conv_reg_1x1_v16x2_q8", 1),
    },
    "local": {  # a functional run on any machine (the 2-core VM: PoCL, driver thread on core 0, CPU slice on core 1)
        "device": {"deviceType": "gpu-or-cpu", "platformContains": ""}, "prefix": [], "env": {},
        "cores": [1], "threads": 1,
        "linear": ("gemv_row", 64), "conv": ("conv_im2col_gemm", 16),
    },
}
# Engine arms: name -> environment. "calls" is the engine's default (COEXEC_GPU_SUBMIT=calls, plain timed queue).
ARMS = {
    "calls": {"COEXEC_GPU_SUBMIT": "calls", "COEXEC_TIMED_QUEUE": "plain"},
    "calls-profiling-queue": {"COEXEC_GPU_SUBMIT": "calls", "COEXEC_TIMED_QUEUE": "profiling"},
    "command-buffer": {"COEXEC_GPU_SUBMIT": "command-buffer", "COEXEC_TIMED_QUEUE": "plain"},
}
LINEAR = {"type": "linear", "M": 1, "N": 3072, "K": 768}
CONV = {"type": "conv2d", "batch": 1, "C": 64, "H": 56, "W": 56, "F": 64, "R": 1, "S": 1,
        "strideH": 1, "strideW": 1, "padH": 0, "padW": 0}


def jobs_for(t):
    jobs = []
    for layer, (variant, wg), granularity, impl in ((LINEAR, t["linear"], 64, "simd"),
                                                     (CONV, t["conv"], 32, "simd-im2col")):
        for ratio in (0, 0.5):
            for sync in ("finish", "event-poll", "svm-coarse"):
                jid = f"{layer['type']}/r:{ratio}/{sync}"
                jobs.append({"id": jid, "kind": "layer", "layer": layer,
                             "strategy": {"splitRatio": ratio, "granularity": granularity, "cpuThreads": t["threads"],
                                          "cpuImpl": impl, "gpuVariant": variant, "gpuWorkGroup": wg, "sync": sync},
                             "warmup": 20, "minSamples": 150, "minTimeMs": 150, "maxSamples": 3000,
                             "maxTimeMs": 500, "seed": 7})
    return jobs


def run_engine(t, arm, path, log):
    plan = {"schemaVersion": 1, "planId": "submit-bench", "device": t["device"], "cpuAffinity": t["cores"],
            "driverCore": 0, "jobs": jobs_for(t)}
    env = dict(os.environ, **t["env"], **ARMS[arm])
    with tempfile.TemporaryDirectory() as d:
        pp = os.path.join(d, "plan.json")
        json.dump(plan, open(pp, "w"))
        if os.path.exists(path):
            os.remove(path)
        subprocess.run(t["prefix"] + [os.path.join(BUILD, "coexec-engine"), "run", pp, "--out", path],
                       env=env, stderr=log, check=False)
    return [json.loads(line) for line in open(path)] if os.path.exists(path) else []


def summarize(results):
    """results[arm] = list of runs (each a list of job lines) -> one row per job id."""
    rows = []
    first = next((runs[0] for runs in results.values() if runs and runs[0]), [])
    ids = [r["jobId"] for r in first]
    for jid in ids:
        row = {"job": jid}
        for arm, runs in results.items():
            lines = [r for run in runs for r in run if r["jobId"] == jid]
            ok = [r for r in lines if r["status"] == "ok"]
            side = {"status": sorted({r["status"] for r in lines}),
                    "resolved": {k: lines[0]["resolved"].get(k)
                                 for k in ("gpuSubmit", "gpuSubmitNote", "timedQueue", "hostMemory")}
                    if lines else None,
                    "checkPassed": all(r.get("check", {}).get("passed") for r in lines) if lines else None}
            if ok:
                side["medianUs"] = round(median(r["medianNs"] for r in ok) / 1e3, 2)
                side["perRunMedianUs"] = [round(r["medianNs"] / 1e3, 2) for r in ok]
                side["enqueueUs"] = round(median(r["breakdownMedianNs"]["enqueue"] for r in ok) / 1e3, 2)
            reasons = sorted({r.get("reason", "") for r in lines if r.get("reason")})
            if reasons:
                side["reasons"] = reasons
            row[arm] = side
        a, b, p = row.get("calls", {}), row.get("command-buffer", {}), row.get("calls-profiling-queue", {})
        if a.get("medianUs") and b.get("medianUs"):
            row["commandBufferOverCalls"] = round(b["medianUs"] / a["medianUs"], 3)
        if a.get("medianUs") and p.get("medianUs"):
            row["plainOverProfilingQueue"] = round(a["medianUs"] / p["medianUs"], 3)
            if a.get("enqueueUs") and p.get("enqueueUs"):
                row["plainOverProfilingQueueEnqueue"] = round(a["enqueueUs"] / p["enqueueUs"], 3)
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--target", action="append", choices=sorted(TARGETS))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--samples", type=int, default=300, help="per sequence in the enqueue bench")
    ap.add_argument("--arms", default=",".join(ARMS), help="engine arms, comma-separated (default: all)")
    a = ap.parse_args()
    for exe in ("coexec-engine", "coexec-enqueue-bench"):
        if not os.access(os.path.join(BUILD, exe), os.X_OK):
            sys.exit(f"submit_bench: {os.path.join(BUILD, exe)} is missing: run scripts/build-engine.sh first")
    os.makedirs(a.out, exist_ok=True)
    doc = {"schemaVersion": 1, "tool": "submit_bench.py", "targets": {}}
    for name in a.target or ["nvidia", "pocl-split"]:
        t = TARGETS[name]
        entry = {"setup": {k: t[k] for k in ("device", "prefix", "env", "cores", "threads", "linear", "conv")},
                 "driverCore": 0}
        log = open(os.path.join(a.out, f"{name}.log"), "w")
        eb = os.path.join(a.out, f"enqueue-{name}.json")
        dev = ["--device-type", t["device"]["deviceType"], "--platform", t["device"]["platformContains"]]
        knobs = ["--linear-variant", t["linear"][0], "--linear-wg", str(t["linear"][1]),
                 "--conv-variant", t["conv"][0], "--conv-wg", str(t["conv"][1])]
        rc = subprocess.run(t["prefix"] + [os.path.join(BUILD, "coexec-enqueue-bench"), *dev, "--pin", "0",
                                          "--samples", str(a.samples), *knobs, "--out", eb],
                            env=dict(os.environ, **t["env"]), stderr=log).returncode
        entry["enqueueBench"] = json.load(open(eb)) if rc == 0 and os.path.exists(eb) else {"error": f"exit {rc}"}
        arms = [x for x in a.arms.split(",") if x]
        unknown = [x for x in arms if x not in ARMS]
        if unknown:
            sys.exit(f"submit_bench: unknown arm {unknown[0]} (expected some of {','.join(ARMS)})")
        results = {arm: [] for arm in arms}
        for rep in range(a.repeats):
            for arm in arms if rep % 2 == 0 else arms[::-1]:
                path = os.path.join(a.out, f"engine-{name}-{arm}-{rep}.jsonl")
                results[arm].append(run_engine(t, arm, path, log))
        entry["engine"] = summarize(results)
        doc["targets"][name] = entry
        log.close()
        json.dump(doc, open(os.path.join(a.out, "submit.json"), "w"), indent=1)  # after each target
        for row in entry["engine"]:
            cells = ", ".join(f"{arm} {row.get(arm, {}).get('medianUs')} us" for arm in arms)
            print(f"[{name}] {row['job']}: {cells}; plain/profiling queue {row.get('plainOverProfilingQueue')}, "
                  f"command-buffer/calls {row.get('commandBufferOverCalls')}", flush=True)


if __name__ == "__main__":
    main()
