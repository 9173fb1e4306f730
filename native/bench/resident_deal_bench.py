#!/usr/bin/env python3
"""svm-resident's deal of virtual work-groups: static contiguous chunks against stealing (a benchmark, not a test).

In conv-coexec-host-pocl-20261206T1029Z a resident job's latency moved 1.3x or more between the run and its
same-call retest in 61% of GPU-only jobs and 44% of co-executed ones (finish: 14% and 10%): a static deal waits
for its slowest PoCL worker every execution, and a worker that is slow for a while decides the whole job. The
engine now lets a physical group claim the others' left-overs once its own chunk is done (native/kernels/common.cl,
COEXEC_RESIDENT_STEAL; COEXEC_RESIDENT_DEAL=static builds the old deal). This runs the same resident jobs (the
GPU-only, oracle and selected resident strategies of pocl-split's s31 runs 1023Z and 1029Z) under both deals, one
fresh engine process per deal and round, alternating, ROUNDS rounds, and writes OUT/resident-deal.json: per job
and deal each round's median latency, the median over rounds, and the spread over rounds (max / min).

Arrangement (default pocl-split's): PoCL workers pinned to --device-cores (POCL_AFFINITY), driver thread on
--driver-core, CPU slice on --cpu-cores.
usage: native/bench/resident_deal_bench.py OUT [--engine E] [--device-cores 0-6] [--driver-core 7]
       [--cpu-cores 8-15] [--rounds 4] [--only SUBSTRING]
       native/bench/resident_deal_bench.py --table resident-deal.json...   (the tables of saved results)
"""
import argparse
import datetime
import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_io import add_pocl_split_args, pocl_split_plan, run_engine_plan  # noqa: E402
from resident_ab import strategy_of  # noqa: E402

STRATEGIES = """
linear/M:1/N:1536/K:384/r:0.00/t:0/cpu:none/gpu:linear_reg_v16x2_m1-wg1/sync:svm-resident
linear/M:1/N:1536/K:384/r:0.30/t:4/cpu:simd/gpu:linear_reg_v16x2_m1-wg1/sync:svm-resident
linear/M:1/N:3072/K:768/r:0.00/t:0/cpu:none/gpu:linear_reg_v16x2_m1-wg1/sync:svm-resident
linear/M:1/N:3072/K:768/r:0.40/t:8/cpu:simd/gpu:linear_reg_v16x2_m1-wg1/sync:svm-resident
linear/M:1/N:768/K:3072/r:0.00/t:0/cpu:none/gpu:linear_reg_v16x2_m1-wg1/sync:svm-resident
linear/M:1/N:768/K:3072/r:0.40/t:8/cpu:simd/gpu:linear_reg_v16x2_m1-wg1/sync:svm-resident
linear/M:8/N:3072/K:768/r:0.00/t:0/cpu:none/gpu:linear_reg_v16x2_m8-wg1/sync:svm-resident
linear/M:8/N:3072/K:768/r:0.50/t:8/cpu:simd/gpu:linear_reg_v16x2_m8-wg1/sync:svm-resident
conv2d/B:1/C:144/H:56/W:56/F:24/R:1/S:1/st:1x1/pad:0x0/r:0.00/t:0/cpu:none/gpu:conv_pq_1x1_v16x2_f4-wg1/sync:svm-resident
conv2d/B:1/C:144/H:56/W:56/F:24/R:1/S:1/st:1x1/pad:0x0/r:0.30/t:8/cpu:simd-im2col/gpu:conv_pq_1x1_v16x2_f4-wg1/sync:svm-resident
conv2d/B:1/C:144/H:56/W:56/F:24/R:1/S:1/st:1x1/pad:0x0/r:0.50/split:height/t:8/cpu:simd-im2col/gpu:conv_pq_1x1_v16x2_f4-wg1/sync:svm-resident
conv2d/B:1/C:256/H:14/W:14/F:256/R:3/S:3/st:1x1/pad:1x1/r:0.00/t:0/cpu:none/gpu:conv_reg_v16x4_q4-wg1/sync:svm-resident
conv2d/B:1/C:256/H:14/W:14/F:256/R:3/S:3/st:1x1/pad:1x1/r:0.50/split:height/t:8/cpu:simd-flat/gpu:conv_reg_v16x4_q4-wg1/sync:svm-resident
conv2d/B:1/C:320/H:7/W:7/F:1280/R:1/S:1/st:1x1/pad:0x0/r:0.00/t:0/cpu:none/gpu:conv_reg_1x1_v16x2_q8-wg1/sync:svm-resident
conv2d/B:1/C:320/H:7/W:7/F:1280/R:1/S:1/st:1x1/pad:0x0/r:0.50/t:8/cpu:simd-im2col/gpu:conv_reg_1x1_v16x2_q8-wg1/sync:svm-resident
conv2d/B:1/C:320/H:7/W:7/F:1280/R:1/S:1/st:1x1/pad:0x0/r:0.50/split:height/t:8/cpu:simd-im2col/gpu:conv_reg_1x1_v16x2_q8-wg1/sync:svm-resident
conv2d/B:1/C:384/H:8/W:8/F:384/R:1/S:3/st:1x1/pad:0x1/r:0.00/t:0/cpu:none/gpu:conv_reg_v16x4_q4-wg1/sync:svm-resident
conv2d/B:1/C:384/H:8/W:8/F:384/R:1/S:3/st:1x1/pad:0x1/r:0.40/split:height/t:8/cpu:simd-flat/gpu:conv_reg_v16x4_q4-wg1/sync:svm-resident
conv2d/B:1/C:64/H:56/W:56/F:64/R:1/S:1/st:1x1/pad:0x0/r:0.00/t:0/cpu:none/gpu:conv_pq_1x1_v16x2_f4-wg1/sync:svm-resident
conv2d/B:1/C:64/H:56/W:56/F:64/R:1/S:1/st:1x1/pad:0x0/r:0.40/t:8/cpu:simd-flat/gpu:conv_pq_1x1_v16x2_f4-wg1/sync:svm-resident
""".split()


def job_from_strategy_id(sid):
    """An engine layer job from a strategy id as the harness writes them (src/plan/ids.ts): the layer's fields
    parsed here, the strategy's by resident_ab.strategy_of."""
    fields = dict(p.split(":", 1) for p in sid.split("/")[1:] if ":" in p)
    if sid.startswith("linear/"):
        layer = {"type": "linear", "M": int(fields["M"]), "N": int(fields["N"]), "K": int(fields["K"])}
    else:
        sh, sw = map(int, fields["st"].split("x"))
        ph, pw = map(int, fields["pad"].split("x"))
        layer = {"type": "conv2d", "batch": int(fields["B"]), "C": int(fields["C"]), "H": int(fields["H"]),
                 "W": int(fields["W"]), "F": int(fields["F"]), "R": int(fields["R"]), "S": int(fields["S"]),
                 "strideH": sh, "strideW": sw, "padH": ph, "padW": pw}
    return {"id": sid, "kind": "layer", "layer": layer, "strategy": strategy_of(sid),
            "warmup": 10, "minSamples": 40, "minTimeMs": 40, "maxSamples": 300, "maxTimeMs": 400}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_pocl_split_args(ap, rounds=4)
    ap.add_argument("--only", default="", help="only strategies whose id contains this (a quick check)")
    a = ap.parse_args()
    jobs = [job_from_strategy_id(s) for s in STRATEGIES if a.only in s]
    env, base = pocl_split_plan(a, jobs)
    deals = ("static", "steal")
    medians = {d: {} for d in deals}
    errors = []
    for rnd in range(a.rounds):
        for deal in (deals if rnd % 2 == 0 else deals[::-1]):  # each deal goes first in half the rounds
            plan = dict(base, planId=f"resident-{deal}-{rnd}")
            for jid, r in run_engine_plan(a.engine, plan, dict(env, COEXEC_RESIDENT_DEAL=deal)).items():
                if r["status"] != "ok" or not r.get("check", {}).get("passed", False):
                    errors.append(f"{deal} round {rnd + 1} {jid}: {r['status']} {r.get('reason')}")
                    continue
                medians[deal].setdefault(jid, []).append(r["medianNs"] / 1e3)
        print(f"round {rnd + 1}/{a.rounds} done", file=sys.stderr)
    rows = []
    for j in jobs:
        row = {"job": j["id"]}
        for deal in deals:
            v = medians[deal].get(j["id"])
            row[deal] = {"roundsUs": [round(x, 2) for x in v] if v else None,
                         "medianUs": round(statistics.median(v), 2) if v else None,
                         "spread": round(max(v) / min(v), 3) if v else None}
        row["stealOverStatic"] = (round(row["steal"]["medianUs"] / row["static"]["medianUs"], 3)
                                  if row["steal"]["medianUs"] and row["static"]["medianUs"] else None)
        rows.append(row)
    summary = {}
    for deal in deals:
        spreads = [r[deal]["spread"] for r in rows if r[deal]["spread"]]
        summary[deal] = {"medianSpread": round(statistics.median(spreads), 3) if spreads else None,
                         "jobsSpreadOver1.3": sum(1 for s in spreads if s > 1.3), "jobs": len(spreads)}
    ratios = [r["stealOverStatic"] for r in rows if r["stealOverStatic"]]
    summary["geomeanStealOverStatic"] = round(math.exp(statistics.fmean(map(math.log, ratios))), 3) if ratios else None
    doc = {"schemaVersion": 1, "benchmark": "native/bench/resident_deal_bench.py: svm-resident static deal vs stealing",
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "arrangement": {"deviceCores": base["deviceCores"], "driverCore": base["driverCore"],
                           "cpuCores": base["cpuAffinity"]},
           "rounds": a.rounds, "latency": "each round's median (us); median over rounds; spread = max / min over rounds",
           "summary": summary, "rows": rows, "errors": errors}
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "resident-deal.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print_table(doc)


def print_table(doc):
    """The markdown table of one resident-deal.json: per job both deals' median over rounds (spread) and their ratio."""
    print(f"{doc['date']}, {doc['rounds']} rounds: {json.dumps(doc['summary'])}\n")
    print("| job | static us (spread) | steal us (spread) | steal / static |")
    print("| --- | --- | --- | --- |")
    for r in doc["rows"]:
        print(f"| {r['job']} | {r['static']['medianUs']} ({r['static']['spread']}) | "
              f"{r['steal']['medianUs']} ({r['steal']['spread']}) | {r['stealOverStatic']} |")
    for e in doc["errors"]:
        print("not ok:", e)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--table":  # reprint saved results: --table FILE.json...
        for path in sys.argv[2:]:
            with open(path) as f:
                print_table(json.load(f))
            print()
    else:
        main()
