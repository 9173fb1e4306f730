#!/usr/bin/env python3
"""A split machine's co-execution against the user's alternative: the whole machine's CPU side.

For every layer of the given local-split (or pocl-split) runs (derived/layers.json): the run's selected and
oracle strategies, re-measured in the split arrangement (PoCL's workers on --device-cores, the CPU side on
--cpu-cores, the platform's POCL_* environment), against CPU-only on --all-cores with every CPU
implementation of the layer type (the best counts), measured with no OpenCL device at all. Each round runs
the two plans one after the other, in alternating order, so a slow spell hits both; a layer's figure is the
median of its rounds' medians. Only jobs that are "ok" with a passed check count.

Usage (local-split's arrangement on a 2-core machine):
  python3 native/bench/split_vs_whole.py OUT_DIR RUN_DIR... [--rounds 3] [--cpu-cores 1] [--device-cores 0]
      [--all-cores 0,1] [--pocl-env POCL_MAX_PTHREAD_COUNT=1,POCL_CPU_MAX_CU_NUM=1,POCL_AFFINITY=1]
Writes OUT_DIR/results.jsonl and OUT_DIR/summary.md.
"""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(__file__))
from engine_io import run_engine_plan  # noqa: E402
from resident_ab import ENGINE, JOB_BUDGET, load_runs, split_bench_args, strategy_of  # noqa: E402

CPU_IMPLS = {"linear": ["simd", "openblas"], "conv2d": ["simd-im2col", "simd-direct", "simd-flat", "openblas-im2col"]}
POCL_VARS = ("POCL_MAX_PTHREAD_COUNT", "POCL_CPU_MAX_CU_NUM", "POCL_AFFINITY")


def cores(text):
    return [int(c) for c in text.split(",")]


def median_ok(values):
    good = [v for v in values if v is not None]
    return statistics.median(good) if good and len(good) == len(values) else None


def main():
    ap = split_bench_args(__doc__.split("\n")[0])
    ap.add_argument("--all-cores", default="0,1")
    ap.add_argument("--pocl-env", default="POCL_MAX_PTHREAD_COUNT=1,POCL_CPU_MAX_CU_NUM=1,POCL_AFFINITY=1")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    layers, planned = load_runs(a.runs)
    rows = [row for _, row in layers]
    pick = lambda sid: dict(planned[sid]) if sid in planned else strategy_of(sid)
    split_jobs, whole_jobs = [], []
    for row in rows:
        for arm in ("selected", "oracle"):
            split_jobs.append((row["layerId"], arm, row["layer"], pick(row[arm]["strategyId"])))
        threads = len(cores(a.all_cores))
        for impl in CPU_IMPLS[row["layer"]["type"]]:
            whole_jobs.append((row["layerId"], f"cpu-{impl}", row["layer"],
                               {"splitRatio": 1.0, "cpuThreads": threads, "cpuImpl": impl, "gpuVariant": "none",
                                "gpuWorkGroup": 1, "sync": "finish"}))
    split_env = dict(os.environ, **dict(kv.split("=", 1) for kv in a.pocl_env.split(",") if kv))
    whole_env = {k: v for k, v in os.environ.items() if k not in POCL_VARS}

    def plan(name, jobs, extra):
        return dict({"schemaVersion": 1, "planId": name, "device": {"deviceType": "cpu"},
                     "jobs": [dict(JOB_BUDGET, id=f"{lid}#{arm}", kind="layer", layer=layer, strategy=s, seed=7)
                              for lid, arm, layer, s in jobs]}, **extra)

    split_plan = plan("split", split_jobs, {"cpuAffinity": cores(a.cpu_cores), "deviceCores": cores(a.device_cores)})
    whole_plan = plan("whole", whole_jobs, {"cpuAffinity": cores(a.all_cores)})
    times = {}
    with open(os.path.join(a.out, "results.jsonl"), "w") as out:
        for rnd in range(1, a.rounds + 1):
            order = [("split", split_plan, split_env), ("whole", whole_plan, whole_env)]
            if rnd % 2 == 0:
                order.reverse()
            for name, p, env in order:
                for jid, r in run_engine_plan(ENGINE, p, env).items():
                    ok = r.get("status") == "ok" and r.get("check", {}).get("passed")
                    times.setdefault(jid, []).append(r["medianNs"] / 1e3 if ok else None)
                    for k in ("samplesNs", "cpuSideNs", "gpuSideNs", "gpuTimestampsNs"):
                        r.pop(k, None)
                    out.write(json.dumps(dict(r, round=rnd, arrangement=name)) + "\n")
            print(f"round {rnd}/{a.rounds}", file=sys.stderr)
    lines = ["| layer | split, selected (us) | split, oracle (us) | CPU-only on all cores (us) | its impl | selected vs CPU-only | oracle vs CPU-only |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    sel_ratios, orc_ratios, by_type = [], [], {}
    for row in rows:
        lid = row["layerId"]
        sel, orc = median_ok(times.get(f"{lid}#selected", [None])), median_ok(times.get(f"{lid}#oracle", [None]))
        whole = [(median_ok(times.get(f"{lid}#cpu-{impl}", [None])), impl) for impl in CPU_IMPLS[row["layer"]["type"]]]
        whole = [w for w in whole if w[0] is not None]
        best, impl = min(whole) if whole else (None, "")
        fmt = lambda v: f"{v:.1f}" if v is not None else "FAILED"
        r1 = best / sel if best and sel else None
        r2 = best / orc if best and orc else None
        if r1:
            sel_ratios.append(r1)
            by_type.setdefault(row["layer"]["type"], []).append(r1)
        if r2:
            orc_ratios.append(r2)
        lines.append(f"| {lid} | {fmt(sel)} | {fmt(orc)} | {fmt(best)} | {impl} | "
                     f"{f'{r1:.2f}x' if r1 else ''} | {f'{r2:.2f}x' if r2 else ''} |")
    geo = lambda xs: f"{statistics.geometric_mean(xs):.2f}x" if xs else "n/a"
    lines += ["", f"Medians over {a.rounds} rounds; ratio > 1: the split is faster. Geomean selected {geo(sel_ratios)} "
              f"({sum(r > 1 for r in sel_ratios)} of {len(sel_ratios)} layers faster), oracle {geo(orc_ratios)} "
              f"({sum(r > 1 for r in orc_ratios)} of {len(orc_ratios)}). Selected by layer type: " +
              ", ".join(f"{t} {geo(v)} ({sum(r > 1 for r in v)} of {len(v)})" for t, v in sorted(by_type.items())) + "."]
    with open(os.path.join(a.out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
