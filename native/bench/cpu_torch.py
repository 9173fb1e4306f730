"""PyTorch CPU timings for the reference layers that coexec-cpu-bench measures, so the engine's CPU side can
be compared with a framework on the same machine. Writes one JSON document (the same shape keys as the
benchmark's JSON) to OUT_DIR/cpu-torch.json and prints it.

usage: python3 native/bench/cpu_torch.py OUT_DIR [THREADS=16] [ROUNDS=200]
Each layer runs under torch.no_grad() with fp32 tensors; 20 warm-up calls, then ROUNDS timed calls; the
minimum and the median are reported in microseconds."""
import json
import os
import platform
import statistics
import sys
import time

import torch

# Kept in step with the shape lists in cpu-bench.cpp.
LINEAR = [(1, 3072, 768), (64, 3072, 768), (256, 3072, 768)]  # M, N, K
CONV = [  # batch, C, H, W, F, R, S, stride, pad
    (1, 64, 56, 56, 64, 3, 3, 1, 1),
    (1, 128, 28, 28, 128, 3, 3, 1, 1),
    (1, 3, 224, 224, 64, 7, 7, 2, 3),
    (1, 256, 56, 56, 64, 1, 1, 1, 0),
]


def time_us(fn, rounds):
    for _ in range(20):
        fn()
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1e3)
    return min(samples), statistics.median(samples)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: cpu_torch.py OUT_DIR [THREADS=16] [ROUNDS=200]")
    out_dir = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    torch.set_num_threads(threads)
    rows = []
    with torch.no_grad():
        for (m, n, k) in LINEAR:
            x = torch.rand(m, k) * 2 - 1
            lin = torch.nn.Linear(k, n)
            lo, med = time_us(lambda: lin(x), rounds)
            rows.append({"layer": f"linear M={m} N={n} K={k}", "impl": "torch-cpu", "threads": threads,
                         "minUs": round(lo, 2), "medianUs": round(med, 2)})
        for (b, c, h, w, f, r, s, st, pad) in CONV:
            x = torch.rand(b, c, h, w) * 2 - 1
            conv = torch.nn.Conv2d(c, f, (r, s), stride=st, padding=pad)
            lo, med = time_us(lambda: conv(x), rounds)
            rows.append({"layer": f"conv {c}x{h}x{w} F={f} {r}x{s}/s{st} pad{pad}", "impl": "torch-cpu",
                         "threads": threads, "minUs": round(lo, 2), "medianUs": round(med, 2)})
    doc = {"tool": "cpu_torch.py", "torch": torch.__version__, "threads": threads, "rounds": rounds,
           "machine": platform.processor() or platform.machine(), "rows": rows}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "cpu-torch.json"), "w") as f:
        json.dump(doc, f, indent=1)
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
