"""PyTorch yardstick for the GPU host: the same linear and conv2d shapes as yardsticks.sh, timed with
PyTorch on the CPU (same thread count) and on CUDA, so our co-execution numbers stand next to what a
framework user would run. Prints one JSON line per measurement (median of timed repetitions, in ns)."""
import json
import statistics
import sys
import time

import torch

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 16
LINEAR = [(1, 3072, 768), (1, 4096, 4096), (1, 1000, 2048), (16, 3072, 768), (64, 2304, 768)]
CONV = [(1, 64, 56, 56, 64, 3, 3, 1, 1), (1, 64, 56, 56, 256, 1, 1, 1, 0), (1, 3, 224, 224, 64, 7, 7, 2, 3),
        (1, 256, 14, 14, 256, 3, 3, 1, 1)]


def time_ns(fn, sync, warmup=5, reps=50):
    for _ in range(warmup):
        fn()
    sync()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        sync()
        samples.append(time.perf_counter_ns() - t0)
    return int(statistics.median(samples)), len(samples)


def main():
    torch.set_num_threads(THREADS)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""
    for dev in devices:
        sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
        for (m, n, k) in LINEAR:
            x = torch.rand(m, k, device=dev) * 2 - 1
            lin = torch.nn.Linear(k, n).to(dev)
            with torch.no_grad():
                med, reps = time_ns(lambda: lin(x), sync)
            print(json.dumps({"group": f"linear/M:{m}/N:{n}/K:{k}", "impl": f"torch-{dev}", "medianNs": med, "n": reps,
                              "threads": THREADS, "device": name if dev == "cuda" else "cpu", "torch": torch.__version__}))
        for (b, c, h, w, f, r, s, st, pad) in CONV:
            x = torch.rand(b, c, h, w, device=dev) * 2 - 1
            conv = torch.nn.Conv2d(c, f, (r, s), stride=st, padding=pad).to(dev)
            with torch.no_grad():
                med, reps = time_ns(lambda: conv(x), sync)
            print(json.dumps({"group": f"conv2d/B:{b}/C:{c}/H:{h}/W:{w}/F:{f}/R:{r}/S:{s}/st:{st}x{st}/pad:{pad}x{pad}",
                              "impl": f"torch-{dev}", "medianNs": med, "n": reps, "threads": THREADS,
                              "device": name if dev == "cuda" else "cpu", "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
