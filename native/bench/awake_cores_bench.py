#!/usr/bin/env python3
"""What keeping the device's cores awake does on a PoCL arrangement (a benchmark, not a test).

PoCL parks its workers on a condition variable between commands; on a VM each parked core halts its vCPU,
and every launch then waits for vCPU wake-ups that the CPU side, whose pool spins between executions, never
pays. The plan field keepDeviceCoresAwake runs one idle-priority spinner per device core (not the driver
core) while a job uses the device
(native/src/awake_cores.h). This runs the same GPU-only and co-executed jobs with the field off and on,
alternating the two plans ROUNDS times in one process each, and writes OUT/awake-cores.json: per job the
median over rounds of each round's median latency, off and on, and on/off.

Arrangement (default pocl-split's): PoCL workers pinned to --device-cores (POCL_AFFINITY), driver thread on
--driver-core, CPU slice on --cpu-cores.
usage: native/bench/awake_cores_bench.py OUT [--engine E] [--device-cores 0-6] [--driver-core 7]
       [--cpu-cores 8-15] [--rounds 3]
"""
import argparse
import datetime
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_io import add_pocl_split_args, parse_cores, pocl_split_plan, run_engine_plan  # noqa: E402


def jobs(cpu_threads):
    """GPU-only round trips and layers (small ones, where a launch's fixed cost shows) and two co-executed
    splits that svm-fine won on pocl-split."""
    lin = lambda m, n, k: {"type": "linear", "M": m, "N": n, "K": k}  # noqa: E731
    out = []
    for sync in ("finish", "svm-fine"):
        out.append({"id": f"roundtrip/{sync}", "kind": "roundtrip", "strategy": {"sync": sync}})
    gpu_only = [("gpu/linear-1x1536x384", lin(1, 1536, 384), "linear_reg_v16x2_m1", 1),
                ("gpu/linear-1x3072x768", lin(1, 3072, 768), "linear_reg_v16x4_m1", 1),
                ("gpu/linear-8x3072x768", lin(8, 3072, 768), "linear_reg_v16x2_m8", 1),
                ("gpu/linear-128x3072x768", lin(128, 3072, 768), "linear_reg_v16x2_m8", 1)]
    for jid, layer, variant, wg in gpu_only:
        for sync in ("finish", "svm-fine"):
            out.append({"id": f"{jid}/{sync}", "kind": "layer", "layer": layer,
                        "strategy": {"splitRatio": 0, "cpuThreads": 1, "cpuImpl": "simd", "gpuVariant": variant,
                                     "gpuWorkGroup": wg, "sync": sync}})
    for jid, layer, variant, r in [("coexec/linear-8x3072x768", lin(8, 3072, 768), "linear_reg_v16x2_m8", 0.5),
                                   ("coexec/linear-1x3072x768", lin(1, 3072, 768), "linear_reg_v16x4_m1", 0.5)]:
        out.append({"id": f"{jid}/svm-fine", "kind": "layer", "layer": layer,
                    "strategy": {"splitRatio": r, "cpuThreads": cpu_threads, "cpuImpl": "simd", "gpuVariant": variant,
                                 "gpuWorkGroup": 1, "sync": "svm-fine"}})
    for j in out:
        j.update(warmup=20, minSamples=200, maxSamples=200)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_pocl_split_args(ap, rounds=3)
    a = ap.parse_args()
    env, base = pocl_split_plan(a, jobs(len(parse_cores(a.cpu_cores))))
    medians = {"off": {}, "on": {}}
    errors = []
    for rnd in range(a.rounds):
        for mode in ("off", "on"):
            plan = dict(base, planId=f"awake-{mode}-{rnd}", keepDeviceCoresAwake=(mode == "on"))
            for jid, r in run_engine_plan(a.engine, plan, env).items():
                if r["status"] != "ok" or not r.get("check", {}).get("passed", False):
                    errors.append(f"{mode} {jid}: {r['status']} {r.get('reason')}")
                    continue
                medians[mode].setdefault(jid, []).append(r["medianNs"] / 1e3)
        print(f"round {rnd + 1}/{a.rounds} done", file=sys.stderr)
    rows = []
    for j in base["jobs"]:
        off, on = medians["off"].get(j["id"]), medians["on"].get(j["id"])
        row = {"job": j["id"], "offUs": round(statistics.median(off), 2) if off else None,
               "onUs": round(statistics.median(on), 2) if on else None, "offRoundsUs": off, "onRoundsUs": on}
        row["onOverOff"] = round(row["onUs"] / row["offUs"], 3) if off and on else None
        rows.append(row)
    doc = {"schemaVersion": 1, "benchmark": "native/bench/awake_cores_bench.py: keepDeviceCoresAwake off vs on",
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "arrangement": {"deviceCores": base["deviceCores"], "driverCore": base["driverCore"],
                           "cpuCores": base["cpuAffinity"]},
           "rounds": a.rounds, "latency": "median over rounds of each round's median (us)", "rows": rows,
           "errors": errors}
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "awake-cores.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    for r in rows:
        print(f"{r['job']:40s} off {r['offUs']} us  on {r['onUs']} us  on/off {r['onOverOff']}")
    for e in errors:
        print("not ok:", e)


if __name__ == "__main__":
    main()
