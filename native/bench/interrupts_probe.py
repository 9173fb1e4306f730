#!/usr/bin/env python3
"""Which interrupts reach the CPU slice's cores during co-execution (issue 12; round 19 found the slice ~1.09x
slower inside a co-execution even with a one-row GPU share, whatever core the driver thread is on). A benchmark,
not a test: for each job below, /proc/interrupts is read before and after one engine `bench` process that runs
N timed executions (plus its warm-up and profiled executions), and the per-core increase of each interrupt kind
(TLB shootdowns, function-call IPIs, rescheduling IPIs, local timer, ...) on the slice's cores is divided by the
executions. Jobs, layer resnet18/layer4-3x3 (C512 7x7 F512 3x3) with R = 256 CPU rows, 15 threads on cores 1-15,
driver core 0: cpu-alone (F = 256, CPU only), coexec-1 (F = 257, split 256 : 1, finish), coexec-half (F = 512,
split 256 : 256, finish). Each job's CPU slice median is printed beside, from the same process.
usage: interrupts_probe.py OUT_JSON [EXECUTIONS=2000] [ROUNDS=2]"""
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENGINE = os.path.join(ROOT, "native", "build", "coexec-engine")
SLICE_CORES = list(range(1, 16))


def read_interrupts():
    """{kind: [count per cpu]} for every line of /proc/interrupts."""
    lines = open("/proc/interrupts").read().splitlines()
    ncpu = len(lines[0].split())
    out = {}
    for line in lines[1:]:
        name, _, rest = line.partition(":")
        fields = rest.split()
        counts = []
        for f in fields[:ncpu]:
            if not f.isdigit():
                break
            counts.append(int(f))
        if len(counts) == ncpu:
            label = " ".join(fields[ncpu:]) or name.strip()
            out[f"{name.strip()} {label}".strip()] = counts
    return out


def job_flags(f_rows, ratio):
    return ["--layer", "conv2d", "--C", "512", "--H", "7", "--W", "7", "--F", str(f_rows), "--R", "3", "--S", "3",
            "--stride", "1", "--pad", "1", "--ratio", str(ratio), "--threads", "15", "--cores", ",".join(map(str, SLICE_CORES)),
            "--driver-core", "0", "--cpu", "simd-im2col", "--gpu", "conv_direct", "--wg", "64", "--sync", "finish",
            "--device-type", "gpu"]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    jobs = [("cpu-alone", job_flags(256, 1.0)), ("coexec-1", job_flags(257, 256 / 257)), ("coexec-half", job_flags(512, 0.5))]
    rows = []
    for rnd in range(rounds):
        for name, flags in jobs:
            before = read_interrupts()
            p = subprocess.run([ENGINE, "bench", *flags, "--min-samples", str(n), "--max-samples", str(n),
                                "--min-time-ms", "0", "--max-time-ms", "60000"], capture_output=True, text=True)
            after = read_interrupts()
            r = json.loads(p.stdout) if p.returncode == 0 else {"status": "error", "reason": p.stderr[-300:]}
            executions = len(r.get("samplesNs", [])) or n
            per_exec = {}
            for kind, counts in after.items():
                if kind not in before:
                    continue
                delta = [counts[c] - before[kind][c] for c in SLICE_CORES if c < len(counts)]
                if sum(delta) > 0:
                    per_exec[kind] = round(sum(delta) / len(delta) / executions, 3)
            cpu = r.get("breakdownMedianNs", {}).get("cpuSlice") or (sorted(r["cpuSideNs"])[len(r["cpuSideNs"]) // 2]
                                                                     if r.get("cpuSideNs") else None)
            rows.append({"round": rnd + 1, "job": name, "status": r.get("status"), "executions": executions,
                         "cpuSliceUs": None if cpu is None else round(cpu / 1e3, 2),
                         "perExecutionPerSliceCore": dict(sorted(per_exec.items(), key=lambda kv: -kv[1]))})
            top = ", ".join(f"{k.split()[0]} {v}" for k, v in list(rows[-1]["perExecutionPerSliceCore"].items())[:6])
            print(f"round {rnd + 1} {name}: {r.get('status')} slice {rows[-1]['cpuSliceUs']} us; per execution per core: {top}")
    json.dump({"schemaVersion": 1, "benchmark": "interrupts probe (issue 12)", "definitions": __doc__, "rows": rows},
              open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
