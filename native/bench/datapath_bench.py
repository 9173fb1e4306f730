#!/usr/bin/env python3
"""Engine data-path benchmark (issue 12; a benchmark, not a test). Writes DIR/datapath.json and prints
Markdown. Needs only python3 and a built engine; run through `native/bench/sync-bench.sh datapath`.

For each layer of the sync-overhead experiment (experiments/sync-overhead.json, shapes from
configs/workloads) at split ratio r (CPU share), with T CPU threads:
  cpu-alone      a CPU-only job of the same layer cut to the CPU's rows (N or F = cpuRows), same threads;
  gpu-alone/S    a GPU-only job of the layer cut to the GPU's rows, mechanism S;
  coexec/S       the whole layer split at r, mechanism S.
Fixed co-execution overhead of S on a layer = median(coexec/S) - max(median(cpu-alone), median(gpu-alone/S)),
i.e. what co-executing adds to the slower side run alone; the summary takes the median over the layers.
CPU slice ratio = breakdownMedianNs.cpuSlice of coexec/S / median cpuSideNs of cpu-alone (same rows, same
threads, same cores). With --rounds R > 1 the layer jobs (cpu-alone, then gpu-alone/S and coexec/S per S, per
layer) run R times in turn in one engine process, so slow drift of the machine (frequency, neighbours) falls
on every job alike: a layer's overhead and CPU slice ratio are then the medians over the rounds of each
round's value (per round in "rounds"), its latencies round 1's. Copies: host <-> device, 1 MB .. 32 MB,
pinned and pageable host memory, GB/s = bytes / median ns (wall: enqueue and clFinish on the driver
thread); gpuGbPerS = bytes / median of the copy's own profiling end - start (one queue: the bus alone, what
CUDA events time for PyTorch). Round trips per mechanism as a reference. Jobs a device cannot run (svm-fine on NVIDIA)
are recorded with their status and reason and left out of the summaries.
Timed queue (--timed-queues plain,profiling): the first arrangement (COEXEC_TIMED_QUEUE) runs everything and
gives "layers" and "summary"; each further one re-runs the GPU jobs (GPU alone, co-executed, round trips) in
a second engine process right after, against the same CPU-alone medians, into "timedQueues" (per arrangement
the per-mechanism summary, per layer and mechanism the co-executed latency, overhead and enqueue time) and
"timedQueueRatios" (second arrangement's first / ... : the first over each other, per layer and mechanism).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SYNCS = ["finish", "event-poll", "svm-coarse", "svm-fine"]


def median(v):
    v = sorted(x for x in v if x is not None)
    n = len(v)
    return None if n == 0 else (v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2)


def parse_cores(text):
    """'1-15' or '0,1' or '1-3,8' -> [1, 2, ...]; '' -> []."""
    cores = []
    for part in filter(None, text.split(",")):
        if "-" in part:
            lo, hi = part.split("-")
            cores += list(range(int(lo), int(hi) + 1))
        else:
            cores.append(int(part))
    return cores


def sync_overhead_layers():
    exp = json.load(open(os.path.join(ROOT, "experiments", "sync-overhead.json")))
    shapes = {}
    for name in os.listdir(os.path.join(ROOT, "configs", "workloads")):
        if name.endswith(".json"):
            for w in json.load(open(os.path.join(ROOT, "configs", "workloads", name)))["workloads"]:
                shapes[w["id"]] = w["layer"]
    return [(wid, shapes[wid]) for wid in exp["workloads"]]


def out_dim(layer):
    return "F" if layer["type"] == "conv2d" else "N"


def cut(layer, rows):
    layer = dict(layer)
    layer[out_dim(layer)] = rows
    return layer


def gpu_variant(layer, a):
    if layer["type"] == "linear":
        return (a.linear_variant, a.linear_wg) if layer["M"] == 1 else ("gemm_tiled", 16)
    one = layer["R"] == 1 and layer["S"] == 1 and layer["strideH"] == 1 and layer["strideW"] == 1 and \
        layer["padH"] == 0 and layer["padW"] == 0
    return ("conv_1x1_gemm", 16) if one else (a.conv_variant, a.conv_wg)


def run_plan(a, jobs, env=None):
    plan = {"schemaVersion": 1, "planId": "datapath-bench", "device": {"deviceType": a.device_type},
            "cpuAffinity": parse_cores(a.cores), "jobs": jobs}
    if a.driver_core is not None:
        plan["driverCore"] = a.driver_core
    if a.device_cores:
        plan["deviceCores"] = parse_cores(a.device_cores)
    with tempfile.TemporaryDirectory() as d:
        pp, rp = os.path.join(d, "plan.json"), os.path.join(d, "results.jsonl")
        json.dump(plan, open(pp, "w"))
        subprocess.run([a.engine, "run", pp, "--out", rp], check=True, env=env or dict(os.environ),
                       stderr=subprocess.DEVNULL if not a.verbose else None)
        return {r["jobId"]: r for r in map(json.loads, open(rp))}


def us(ns):
    return None if ns is None else round(ns / 1e3, 2)


def ok_median(r):
    return median(r["samplesNs"]) if r and r["status"] == "ok" else None


def round_id(jid, rnd):
    """A layer job's id in round rnd (0-based); round 1 keeps the id the committed results use."""
    return jid if rnd == 0 else f"{jid}#r{rnd + 1}"


def copy_id(direction, host_memory, nbytes, queues):
    """A copy job's id; one queue keeps the id the committed results use."""
    return f"copy/{direction}/{host_memory}/{nbytes}" + (f"/q{queues}" if queues > 1 else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder for datapath.json")
    ap.add_argument("--engine", default=os.path.join(ROOT, "native", "build", "coexec-engine"))
    ap.add_argument("--cores", default="", help="CPU-slice cores, e.g. 1-15 (default: not pinned)")
    ap.add_argument("--driver-core", type=int, default=None, help="the GPU-driver thread's core, e.g. 0")
    ap.add_argument("--device-cores", default="", help="a CPU OpenCL device's pinned cores, e.g. 0-6 (plan deviceCores)")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (default: one per listed core, else 1)")
    ap.add_argument("--ratio", type=float, default=0.5)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=1, help="layer jobs run this many times in turn (see above)")
    ap.add_argument("--syncs", default=",".join(SYNCS))
    ap.add_argument("--workloads", default="", help="comma-separated workload ids (default: sync-overhead's)")
    ap.add_argument("--linear-variant", default="gemv_vec4")
    ap.add_argument("--linear-wg", type=int, default=64)
    ap.add_argument("--conv-variant", default="conv_direct")
    ap.add_argument("--conv-wg", type=int, default=64)
    ap.add_argument("--copy-mb", default="1,2,4,8,16,32")
    ap.add_argument("--copy-queues", default="1", help="pinned copies also cut into K parts on K queues, e.g. 1,2,4")
    ap.add_argument("--device-type", default="gpu-or-cpu")
    ap.add_argument("--label", default="", help="free text stored in the JSON (machine, setup)")
    ap.add_argument("--timed-queues", default="plain",
                    help="COEXEC_TIMED_QUEUE arrangements, e.g. plain,profiling (the first gives layers and summary)")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    threads = a.threads or max(1, len(parse_cores(a.cores)))
    syncs = [s for s in a.syncs.split(",") if s]
    meas = {"warmup": 20, "minSamples": a.samples, "minTimeMs": 200, "maxSamples": 20 * a.samples, "maxTimeMs": 4000,
            "seed": 5}
    layers = sync_overhead_layers()
    if a.workloads:
        wanted = a.workloads.split(",")
        layers = [(w, l) for w, l in layers if w in wanted]

    def layer_job(jid, layer, ratio, sync, t):
        v, wg = gpu_variant(layer, a)
        cpu = "simd" if layer["type"] == "linear" else "simd-im2col"
        return dict(meas, id=jid, kind="layer", layer=layer,
                    strategy={"splitRatio": ratio, "granularity": 1, "cpuThreads": t, "cpuImpl": cpu,
                              "gpuVariant": v, "gpuWorkGroup": wg, "sync": sync})

    # 1. Layers: the CPU side alone, the GPU side alone and the co-executed layer, per mechanism.
    jobs = []
    rounds = max(1, a.rounds)
    for rnd in range(rounds):
        for wid, layer in layers:
            out = layer[out_dim(layer)]
            cpu_rows = min(out - 1, max(1, round(a.ratio * out)))
            jobs.append(layer_job(round_id(f"cpu-alone/{wid}", rnd), cut(layer, cpu_rows), 1.0, "finish", threads))
            for s in syncs:
                jobs.append(layer_job(round_id(f"gpu-alone/{wid}/{s}", rnd), cut(layer, out - cpu_rows), 0.0, s, 0))
                jobs.append(layer_job(round_id(f"coexec/{wid}/{s}", rnd), layer, cpu_rows / out, s, threads))
    # 2. Round trips; 3. copies.
    jobs += [dict(meas, id=f"roundtrip/{s}", kind="roundtrip", strategy={"sync": s}) for s in syncs]
    sizes = [int(float(m) * (1 << 20)) for m in a.copy_mb.split(",") if m]
    copy_queues = [int(k) for k in a.copy_queues.split(",") if k]
    for b in sizes:
        for d in ("host-to-device", "device-to-host"):
            for h in ("pinned", "pageable"):
                for k in (copy_queues if h == "pinned" else [1]):
                    jobs.append(dict(meas, id=copy_id(d, h, b, k), kind="copy", minTimeMs=100,
                                     copy={"bytes": b, "direction": d, "hostMemory": h, "queues": k}))
    queues = [q for q in a.timed_queues.split(",") if q]
    res = run_plan(a, jobs, dict(os.environ, COEXEC_TIMED_QUEUE=queues[0]))
    gpu_jobs = [j for j in jobs if j["id"].split("/")[0] in ("gpu-alone", "coexec", "roundtrip") and "#" not in j["id"]]
    res_by_queue = {queues[0]: res}
    for q in queues[1:]:
        res_by_queue[q] = dict(res, **run_plan(a, gpu_jobs, dict(os.environ, COEXEC_TIMED_QUEUE=q)))

    def layer_rows_of(res, rnd=0):
        rows = []
        for wid, layer in layers:
            cpu = res.get(round_id(f"cpu-alone/{wid}", rnd))
            cpu_med = ok_median(cpu)
            cpu_slice_alone = median(cpu["cpuSideNs"]) if cpu and cpu["status"] == "ok" else None
            for s in syncs:
                co, go = res.get(round_id(f"coexec/{wid}/{s}", rnd)), res.get(round_id(f"gpu-alone/{wid}/{s}", rnd))
                co_med, go_med = ok_median(co), ok_median(go)
                row = {"workload": wid, "sync": s, "status": co["status"] if co else "missing",
                       "reason": (co or {}).get("reason"), "cpuRows": (co or {}).get("resolved", {}).get("cpuRows"),
                       "hostMemory": (co or {}).get("resolved", {}).get("hostMemory"),
                       "timedQueue": (co or {}).get("resolved", {}).get("timedQueue"),
                       "coexecUs": us(co_med), "cpuAloneUs": us(cpu_med), "gpuAloneUs": us(go_med)}
                if None not in (co_med, cpu_med, go_med):
                    row["overheadUs"] = us(co_med - max(cpu_med, go_med))
                    bd = co.get("breakdownMedianNs", {})
                    row["breakdownUs"] = {k: us(v) for k, v in bd.items()}
                    if cpu_slice_alone and "cpuSlice" in bd:
                        row["cpuSliceRatio"] = round(bd["cpuSlice"] / cpu_slice_alone, 3)
                rows.append(row)
        return rows

    def summary_of(layer_rows):
        summary = {}
        for s in syncs:
            rows = [r for r in layer_rows if r["sync"] == s and "overheadUs" in r]
            summary[s] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in {"layers": len(rows),
                          "overheadMedianUs": median([r["overheadUs"] for r in rows]),
                          "cpuSliceRatioMedian": median([r["cpuSliceRatio"] for r in rows if "cpuSliceRatio" in r]),
                          "cpuSliceRatioMax": max([r["cpuSliceRatio"] for r in rows if "cpuSliceRatio" in r], default=None),
                          "enqueueMedianUs": median([r["breakdownUs"]["enqueue"] for r in rows]),
                          "cpuStartDelayMedianUs": median([r["breakdownUs"].get("cpuStartDelay") for r in rows
                                                           if r["breakdownUs"].get("cpuStartDelay") is not None])}.items()}
        return summary

    layer_rows = layer_rows_of(res)
    if rounds > 1:
        per_round = [layer_rows_of(res, rnd) for rnd in range(rounds)]
        for i, row in enumerate(layer_rows):
            seen = [rows[i] for rows in per_round]
            row["rounds"] = [{k: r.get(k) for k in ("coexecUs", "cpuAloneUs", "gpuAloneUs", "overheadUs", "cpuSliceRatio")}
                             for r in seen]
            for k in ("overheadUs", "cpuSliceRatio"):
                if all(r.get(k) is not None for r in seen):
                    row[k] = round(median([r[k] for r in seen]), 3)
    summary = summary_of(layer_rows)
    timed_queues, timed_queue_ratios = {}, []
    if len(queues) > 1:
        rows_by_queue = {q: layer_rows_of(r) for q, r in res_by_queue.items()}
        for q, rows in rows_by_queue.items():
            gpu_alone = {f"{wid}/{s}": us(ok_median(res_by_queue[q].get(f"gpu-alone/{wid}/{s}")))
                         for wid, _ in layers for s in syncs}
            timed_queues[q] = {"summary": summary_of(rows), "layers": [
                dict({k: r.get(k) for k in ("workload", "sync", "status", "timedQueue", "coexecUs", "gpuAloneUs",
                                           "overheadUs")}, enqueueUs=(r.get("breakdownUs") or {}).get("enqueue"))
                for r in rows],
                "gpuAloneUs": gpu_alone,
                "roundTripUs": {s: us(ok_median(res_by_queue[q].get(f"roundtrip/{s}"))) for s in syncs}}
        first = rows_by_queue[queues[0]]
        for q in queues[1:]:
            for r0, r1 in zip(first, rows_by_queue[q]):
                ratio = lambda x, y: round(x / y, 3) if x and y else None
                e0, e1 = (r0.get("breakdownUs") or {}).get("enqueue"), (r1.get("breakdownUs") or {}).get("enqueue")
                timed_queue_ratios.append({"workload": r0["workload"], "sync": r0["sync"], "over": f"{queues[0]}/{q}",
                                           "coexec": ratio(r0["coexecUs"], r1["coexecUs"]),
                                           "gpuAlone": ratio(r0["gpuAloneUs"], r1["gpuAloneUs"]),
                                           "enqueue": ratio(e0, e1)})
    fin, fine = summary.get("finish", {}).get("overheadMedianUs"), summary.get("svm-fine", {}).get("overheadMedianUs")
    svm_fine_over_finish = round(fine / fin, 3) if fin and fine is not None and fin > 0 else None

    copy_rows = []
    for b in sizes:
        for d in ("host-to-device", "device-to-host"):
            for h in ("pinned", "pageable"):
                for k in (copy_queues if h == "pinned" else [1]):
                    r = res.get(copy_id(d, h, b, k))
                    m = ok_median(r)
                    bus = median([t[3] - t[2] for t in (r or {}).get("gpuTimestampsNs") or []]) if m else None
                    copy_rows.append({"bytes": b, "direction": d, "hostMemory": h, "queues": k,
                                      "status": r["status"] if r else "missing",
                                      "medianUs": us(m), "gbPerS": round(b / m, 2) if m else None,
                                      "gpuUs": us(bus), "gpuGbPerS": round(b / bus, 2) if bus else None})
    rt_rows = [{"sync": s, "status": res[f"roundtrip/{s}"]["status"],
                "medianUs": us(ok_median(res[f"roundtrip/{s}"]))} for s in syncs]

    info = json.loads(subprocess.run([a.engine, "info"], capture_output=True, text=True, check=True).stdout)
    device = next((r["device"] for r in res.values() if "device" in r), None)
    doc = {"schemaVersion": 1, "benchmark": "engine-datapath (issue 12)",
           "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "label": a.label,
           "host": {"node": platform.node(), "cpuModel": info["cpu"].get("model"), "cores": info["cpu"].get("cores")},
           "device": device,
           "setup": {"cpuCores": parse_cores(a.cores), "driverCore": a.driver_core, "cpuThreads": threads,
                     "ratio": a.ratio, "samples": a.samples, "rounds": rounds, "syncs": syncs, "timedQueues": queues,
                     "variants": {"linearM1": [a.linear_variant, a.linear_wg], "linearM>1": ["gemm_tiled", 16],
                                  "conv": [a.conv_variant, a.conv_wg], "conv1x1": ["conv_1x1_gemm", 16]},
                     "command": " ".join(sys.argv)},
           "definitions": __doc__,
           "summary": {"perSync": summary, "svmFineOverFinishOverhead": svm_fine_over_finish},
           "targets": {"overheadUsFinishEventPollMax": 12, "cpuSliceRatioMax": 1.1, "copyGbPerSMin": 40,
                       "svmFineOverFinishMax": 0.5, "note": "issue 12 targets (H200 for the first three)"},
           "layers": layer_rows, "roundTrips": rt_rows, "copies": copy_rows}
    if timed_queues:
        doc["timedQueues"] = timed_queues
        doc["timedQueueRatios"] = timed_queue_ratios
    path = os.path.join(a.out, "datapath.json")
    json.dump(doc, open(path, "w"), indent=1)

    print(f"## Fixed co-execution overhead, median over {len(layers)} layers (r {a.ratio}, {threads} CPU thread(s), "
          f"cores {a.cores or 'unpinned'}, driver core {a.driver_core})\n")
    print("| mechanism | layers | overhead us | enqueue us | CPU start delay us | CPU slice / CPU-only (median, max) |")
    print("|---|---|---|---|---|---|")
    for s, v in summary.items():
        print(f"| {s} | {v['layers']} | {v['overheadMedianUs']} | {v['enqueueMedianUs']} | {v['cpuStartDelayMedianUs']} | "
              f"{v['cpuSliceRatioMedian']}, {v['cpuSliceRatioMax']} |")
    print(f"\nsvm-fine / finish overhead: {svm_fine_over_finish}\n")
    pinned_cols = [("pinned", k) for k in copy_queues]
    names = [f"pinned, {k} queues" if k > 1 else "pinned" for _, k in pinned_cols] + ["pageable", "pinned, copy's own time"]
    print("## Copies (GB/s)\n\n| MB | direction | " + " | ".join(names) + " |\n|---|---|" + "---|" * len(names))
    for b in sizes:
        for d in ("host-to-device", "device-to-host"):
            here = [r for r in copy_rows if r["bytes"] == b and r["direction"] == d]
            cells = {(r["hostMemory"], r["queues"]): r["gbPerS"] for r in here}
            bus = next((r["gpuGbPerS"] for r in here if r["hostMemory"] == "pinned" and r["queues"] == 1), None)
            row = [cells.get(c) for c in pinned_cols] + [cells.get(("pageable", 1)), bus]
            print(f"| {b / (1 << 20):g} | {d} | " + " | ".join(str(v) for v in row) + " |")
    print("\n## Round trips (us)\n\n" + "\n".join(f"- {r['sync']}: {r['medianUs']} ({r['status']})" for r in rt_rows))
    if timed_queues:
        print(f"\n## Timed queue: {' vs '.join(queues)} (the first ran first; median over layers)\n")
        print("| queue | mechanism | overhead us | enqueue us |\n|---|---|---|---|")
        for q, v in timed_queues.items():
            for s, m in v["summary"].items():
                print(f"| {q} | {s} | {m['overheadMedianUs']} | {m['enqueueMedianUs']} |")
        for s in syncs:
            rs = [r for r in timed_queue_ratios if r["sync"] == s]
            rounded = lambda v: None if v is None else round(v, 3)
            print(f"- {s}: co-executed latency {rs[0]['over'] if rs else ''} median "
                  f"{rounded(median([r['coexec'] for r in rs]))}, enqueue {rounded(median([r['enqueue'] for r in rs]))}")
    bad = [r for r in layer_rows if r["status"] != "ok"]
    if bad:
        print("\nnot ok: " + "; ".join(f"{r['workload']}/{r['sync']}: {r['status']} {r['reason']}" for r in bad))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
