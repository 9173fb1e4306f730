#!/usr/bin/env python3
"""svm-resident against the launched mechanisms, strategy for strategy, on a separate-core platform.

For every layer of the given harness runs (derived/layers.json), the run's oracle strategy is re-measured
with its own mechanism, with svm-fine and with svm-resident (the only change: the sync), beside GPU-only
with that variant under svm-fine and svm-resident and the best single side the run found. Jobs are shuffled
within each round and the rounds repeated, so a slow spell of the machine hits each arm alike; the table
gives each arm's median over the rounds' medians. Every job's output is checked by the engine (a job that
is not "ok" with a passed check is reported, never timed).

Usage (the platform's environment and cores: local-split's are the defaults):
  POCL_MAX_PTHREAD_COUNT=1 POCL_CPU_MAX_CU_NUM=1 POCL_AFFINITY=1 \\
    python3 native/bench/resident_ab.py OUT_DIR RUN_DIR... [--rounds 3] [--cpu-cores 1] [--device-cores 0]
Writes OUT_DIR/results.jsonl (every result line, with "round" and "arm") and OUT_DIR/summary.md.
"""
import argparse
import json
import os
import random
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(__file__))
from engine_io import run_engine_plan  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENGINE = os.environ.get("COEXEC_ENGINE", os.path.join(ROOT, "native", "build", "coexec-engine"))
JOB_BUDGET = {"warmup": 3, "minSamples": 30, "minTimeMs": 100, "maxSamples": 400, "maxTimeMs": 1500}


def strategy_of(strategy_id):
    """The strategy fields of a harness strategy id (the segments after the layer's)."""
    fields = dict(seg.split(":", 1) for seg in strategy_id.split("/") if re.match(r"^(r|t|cpu|gpu|sync|split|g):", seg))
    gpu = fields["gpu"]
    variant, wg = (gpu.rsplit("-wg", 1) + ["1"])[:2] if gpu != "none" else ("none", "1")
    s = {"splitRatio": float(fields["r"]), "cpuThreads": int(fields["t"]), "cpuImpl": fields["cpu"],
         "gpuVariant": variant, "gpuWorkGroup": int(wg), "sync": fields["sync"]}
    if s["cpuImpl"] == "none":
        s["cpuImpl"] = "simd-im2col" if strategy_id.startswith("conv2d") else "simd"
        s["cpuThreads"] = 1
    if "split" in fields:
        s["splitDim"] = fields["split"]
    return s


def planned_strategies(run):
    """Strategy by job id from the run's plans (exact, granularity included)."""
    found = {}
    for name in sorted(os.listdir(run)):
        if name.startswith("plan") and name.endswith(".json"):
            with open(os.path.join(run, name)) as f:
                found.update({j["id"]: j["strategy"] for j in json.load(f).get("jobs", []) if j.get("kind") == "layer"})
    return found


def arms_of(row, planned):
    """(arm name, strategy) pairs measured for one layer row of layers.json."""
    pick = lambda sid: dict(planned[sid]) if sid in planned else strategy_of(sid)
    oracle = pick(row["oracle"]["strategyId"])
    arms = [("best-single", pick(row["bestSingle"]["strategyId"]))]
    if oracle["gpuVariant"] == "none" or oracle["splitRatio"] in (0.0, 1.0):
        return arms  # the oracle is a single side: nothing to co-execute
    arms.append((f"oracle-{oracle['sync']}", oracle))
    for sync in ("svm-fine", "svm-resident"):
        if sync != oracle["sync"]:
            arms.append((f"oracle-{sync}", dict(oracle, sync=sync)))
        gpu_only = dict(oracle, sync=sync, splitRatio=0.0)
        gpu_only.pop("splitDim", None)
        arms.append((f"gpu-only-{sync}", gpu_only))
    return arms


def split_bench_args(description):
    """The arguments both split benchmarks take: OUT, the runs, rounds and the split's cores."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("out")
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu-cores", default="1")
    ap.add_argument("--device-cores", default="0")
    return ap


def load_runs(runs):
    """[(run name, layers.json row)] over the runs, and every planned strategy by job id."""
    layers, planned = [], {}
    for run in runs:
        with open(os.path.join(run, "derived", "layers.json")) as f:
            layers += [(os.path.basename(run.rstrip("/")), r) for r in json.load(f)["rows"]]
        planned.update(planned_strategies(run))
    return layers, planned


def main():
    ap = split_bench_args(__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    layers, planned = load_runs(a.runs)
    jobs = []
    for run, row in layers:
        for arm, strategy in arms_of(row, planned):
            jobs.append({"run": run, "layerId": row["layerId"], "arm": arm, "layer": row["layer"], "strategy": strategy,
                         "harness": {"oracleMs": row["oracle"]["latencyMs"], "bestSingleMs": row["bestSingle"]["latencyMs"]}})
    rng = random.Random(a.seed)
    medians = {}
    with open(os.path.join(a.out, "results.jsonl"), "w") as out:
        for rnd in range(1, a.rounds + 1):
            order = jobs[:]
            rng.shuffle(order)
            plan = {"schemaVersion": 1, "planId": f"resident-ab-{rnd}", "device": {"deviceType": "cpu"},
                    "cpuAffinity": [int(c) for c in a.cpu_cores.split(",")],
                    "deviceCores": [int(c) for c in a.device_cores.split(",")],
                    "jobs": [dict(JOB_BUDGET, id=f"{j['layerId']}#{j['arm']}", kind="layer", layer=j["layer"],
                                  strategy=j["strategy"], seed=7) for j in order]}
            results = run_engine_plan(ENGINE, plan, dict(os.environ))
            for j in order:
                r = results.get(f"{j['layerId']}#{j['arm']}", {"status": "missing"})
                r.update(round=rnd, arm=j["arm"], run=j["run"])
                r.pop("samplesNs", None), r.pop("cpuSideNs", None), r.pop("gpuSideNs", None), r.pop("gpuTimestampsNs", None)
                out.write(json.dumps(r) + "\n")
                ok = r.get("status") == "ok" and r.get("check", {}).get("passed")
                key = (j["layerId"], j["arm"])
                medians.setdefault(key, []).append(r["medianNs"] / 1e3 if ok else None)
            print(f"round {rnd}/{a.rounds}: {len(order)} jobs", file=sys.stderr)
    arm_names = ["best-single", "oracle-finish", "oracle-event-poll", "oracle-svm-coarse", "oracle-svm-fine",
                 "oracle-svm-resident", "gpu-only-svm-fine", "gpu-only-svm-resident"]
    lines = ["| layer | " + " | ".join(arm_names) + " | resident vs fine (split) | resident split vs best single |",
             "| --- |" + " --- |" * (len(arm_names) + 2)]
    ratios, gains = [], []
    for _, row in layers:
        cells, vals = [], {}
        for arm in arm_names:
            v = medians.get((row["layerId"], arm))
            if v is None:
                cells.append("")
                continue
            good = [x for x in v if x is not None]
            vals[arm] = statistics.median(good) if len(good) == len(v) else None
            cells.append(f"{vals[arm]:.1f}" if vals[arm] is not None else "FAILED")
        fine, res, single = vals.get("oracle-svm-fine"), vals.get("oracle-svm-resident"), vals.get("best-single")
        r1 = f"{fine / res:.2f}x" if fine and res else ""
        r2 = f"{single / res:.2f}x" if single and res else ""
        if fine and res:
            ratios.append(fine / res)
        if single and res:
            gains.append(single / res)
        lines.append(f"| {row['layerId']} | " + " | ".join(cells) + f" | {r1} | {r2} |")
    geo = lambda xs: statistics.geometric_mean(xs) if xs else float("nan")
    lines.append("")
    lines.append(f"Medians in us over {a.rounds} rounds. Geomean svm-fine / svm-resident on the oracle split: "
                 f"{geo(ratios):.2f}x over {len(ratios)} layers; best single side / resident split: {geo(gains):.2f}x.")
    with open(os.path.join(a.out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
