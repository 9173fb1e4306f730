"""PyTorch on the reference layers of issue 13 (the same shapes as kernel_bench.py), the yardstick for both
sides of our engine on the GPU host:
  cpu           torch CPU, THREADS threads, the layer on resident CPU tensors;
  cudaResident  torch CUDA with tensors already on the card: the layer's GPU time from CUDA events around
                REPS back-to-back calls (launch overhead amortized), i.e. comparable with our kernel time
                (OpenCL profiling end - start);
  cudaCopies    what a framework user pays per call on a discrete card: X copied in from pinned host memory,
                the layer, Y copied back into pinned host memory, synchronized (wall clock per call).
fp32 everywhere, TF32 off (our kernels are plain fp32). Writes OUT_JSON: {"machine", "rows": [...]}, times
in microseconds, medians over ROUNDS rounds.

usage: python3 native/bench/torch_reference.py OUT_JSON [THREADS=16] [ROUNDS=7]"""
import json
import statistics
import sys
import time

import torch

SHAPES = [
    ("linear-1x768x3072", ("linear", 1, 768, 3072)),
    ("linear-64x768x3072", ("linear", 64, 768, 3072)),
    ("linear-256x768x3072", ("linear", 256, 768, 3072)),
    ("conv-64x56x56-f64-3x3", ("conv", 64, 56, 56, 64, 3, 3, 1, 1)),
    ("conv-128x28x28-f128-3x3", ("conv", 128, 28, 28, 128, 3, 3, 1, 1)),
    ("conv-stem-3x224x224-f64-7x7s2", ("conv", 3, 224, 224, 64, 7, 7, 2, 3)),
    ("conv-256x56x56-f64-1x1", ("conv", 256, 56, 56, 64, 1, 1, 1, 0)),
]


def build(shape, device):
    """The layer module and a random input of the shape, on the device."""
    if shape[0] == "linear":
        _, m, k, n = shape
        return torch.nn.Linear(k, n).to(device), torch.rand(m, k, device=device) * 2 - 1
    _, c, h, w, f, r, s, stride, pad = shape
    layer = torch.nn.Conv2d(c, f, (r, s), stride=stride, padding=pad).to(device)
    return layer, torch.rand(1, c, h, w, device=device) * 2 - 1


def wall_us(fn, sync, reps):
    """Median wall-clock microseconds of one synchronized call."""
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        sync()
        samples.append((time.perf_counter_ns() - t0) / 1e3)
    return statistics.median(samples)


def cuda_resident_us(fn, reps):
    """GPU microseconds per call from CUDA events around reps back-to-back calls."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) * 1e3 / reps


def main():
    out = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    torch.set_num_threads(threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    cuda = torch.cuda.is_available()
    rows = []
    with torch.no_grad():
        for name, shape in SHAPES:
            row = {"layer": name, "threads": threads}
            layer, x = build(shape, "cpu")
            for _ in range(5):
                layer(x)
            row["cpuUs"] = statistics.median(wall_us(lambda: layer(x), lambda: None, 30) for _ in range(rounds))
            if cuda:
                glayer, gx = build(shape, "cuda")
                for _ in range(20):
                    glayer(gx)
                torch.cuda.synchronize()
                row["cudaResidentUs"] = statistics.median(cuda_resident_us(lambda: glayer(gx), 200) for _ in range(rounds))
                hx = x.clone().pin_memory()
                hy = torch.empty(glayer(gx).shape).pin_memory()

                def with_copies():
                    dx = hx.to("cuda", non_blocking=True)
                    hy.copy_(glayer(dx), non_blocking=True)

                for _ in range(20):
                    with_copies()
                torch.cuda.synchronize()
                row["cudaCopiesUs"] = statistics.median(
                    wall_us(with_copies, torch.cuda.synchronize, 100) for _ in range(rounds))
            rows.append(row)
            print(json.dumps(row), flush=True)
    machine = {"torch": torch.__version__, "cpuThreads": threads,
               "gpu": torch.cuda.get_device_name(0) if cuda else None,
               "cudnn": torch.backends.cudnn.version() if cuda else None, "tf32": False}
    with open(out, "w") as f:
        json.dump({"machine": machine, "rounds": rounds, "unit": "us", "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
