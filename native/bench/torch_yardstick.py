"""PyTorch yardstick for the GPU host (issue 13 item 5): the shapes of native/bench/yardsticks.sh, timed with
PyTorch on the CPU (THREADS threads) and on CUDA on the same card, in the same session, so the per-side tables
(`coexec yardsticks`) set our engine beside what a framework user would run. One JSON line per measurement on
stdout, times in ns (medians). Implementations:
  torch-cpu            the layer on CPU tensors, wall clock per call;
  torch-cuda           the layer on resident CUDA tensors, wall clock per synchronized call (launch included);
  torch-cuda-resident  the layer's GPU time from CUDA events around REPS back-to-back calls (comparable with our
                       kernel time, OpenCL profiling end - start);
  torch-cuda-copies    X copied in from pinned host memory, the layer, Y copied back to pinned memory,
                       synchronized (comparable with our GPU-only layer latency, which includes its copies).
fp32, TF32 off (our kernels are plain fp32).

usage: python3 native/bench/torch_yardstick.py [THREADS=16] [--shapes reference|shipped] > torch.jsonl"""
import json
import statistics
import sys
import time

import torch

SHAPES = {
    # Issue 13's reference layers (the default; the same as yardsticks.sh's YARDSTICK_SHAPES=reference).
    "reference": {
        "linear": [(1, 3072, 768), (64, 3072, 768), (256, 3072, 768)],
        "conv": [(1, 64, 56, 56, 64, 3, 3, 1, 1), (1, 128, 28, 28, 128, 3, 3, 1, 1), (1, 3, 224, 224, 64, 7, 7, 2, 3),
                 (1, 256, 56, 56, 64, 1, 1, 1, 0)],
    },
    # The shapes of the 2026-11-26 tables in results/yardsticks/gpu-host.
    "shipped": {
        "linear": [(1, 3072, 768), (1, 4096, 4096), (1, 1000, 2048), (16, 3072, 768), (64, 2304, 768)],
        "conv": [(1, 64, 56, 56, 64, 3, 3, 1, 1), (1, 64, 56, 56, 256, 1, 1, 1, 0), (1, 3, 224, 224, 64, 7, 7, 2, 3),
                 (1, 256, 14, 14, 256, 3, 3, 1, 1)],
    },
}
REPS = 50


def wall_ns(fn, sync, warmup=5, reps=REPS):
    """Median wall-clock ns of one synchronized call."""
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


def events_ns(fn, rounds=7, reps=200):
    """GPU ns per call from CUDA events around reps back-to-back calls; median over rounds."""
    for _ in range(20):
        fn()
    torch.cuda.synchronize()
    per_call = []
    for _ in range(rounds):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        torch.cuda.synchronize()
        per_call.append(start.elapsed_time(end) * 1e6 / reps)
    return int(statistics.median(per_call)), rounds


def layers(shapes):
    """(group id as in yardsticks.sh, module factory, input shape)."""
    for (m, n, k) in shapes["linear"]:
        yield f"linear/M:{m}/N:{n}/K:{k}", (lambda k=k, n=n: torch.nn.Linear(k, n)), (m, k)
    for (b, c, h, w, f, r, s, st, pad) in shapes["conv"]:
        yield (f"conv2d/B:{b}/C:{c}/H:{h}/W:{w}/F:{f}/R:{r}/S:{s}/st:{st}x{st}/pad:{pad}x{pad}",
               (lambda c=c, f=f, r=r, s=s, st=st, pad=pad: torch.nn.Conv2d(c, f, (r, s), stride=st, padding=pad)), (b, c, h, w))


def main(argv):
    threads, shape_set = 16, "reference"
    i = 0
    while i < len(argv):
        if argv[i] == "--shapes" and i + 1 < len(argv) and argv[i + 1] in SHAPES:
            shape_set = argv[i + 1]
            i += 2
        elif argv[i].isdigit():
            threads = int(argv[i])
            i += 1
        else:
            sys.exit("torch_yardstick: unexpected argument %s (usage: [THREADS] [--shapes reference|shipped])" % argv[i])
    torch.set_num_threads(threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else ""
    common = {"threads": threads, "torch": torch.__version__, "shapes": shape_set}

    def emit(group, impl, med, n, device):
        print(json.dumps({"group": group, "impl": impl, "medianNs": med, "n": n, "device": device, **common}), flush=True)

    with torch.no_grad():
        for group, make, xshape in layers(SHAPES[shape_set]):
            layer = make()
            x = torch.rand(*xshape) * 2 - 1
            emit(group, "torch-cpu", *wall_ns(lambda: layer(x), lambda: None), "cpu")
            if not cuda:
                continue
            glayer, gx = layer.to("cuda"), x.to("cuda")
            emit(group, "torch-cuda", *wall_ns(lambda: glayer(gx), torch.cuda.synchronize), name)
            emit(group, "torch-cuda-resident", *events_ns(lambda: glayer(gx)), name)
            hx = x.clone().pin_memory()
            hy = torch.empty(glayer(gx).shape).pin_memory()

            def with_copies():
                hy.copy_(glayer(hx.to("cuda", non_blocking=True)), non_blocking=True)

            emit(group, "torch-cuda-copies", *wall_ns(with_copies, torch.cuda.synchronize, warmup=20, reps=100), name)


if __name__ == "__main__":
    main(sys.argv[1:])
