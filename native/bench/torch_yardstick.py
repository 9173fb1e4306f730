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

import torch

from torch_timing import (REFERENCE_LAYERS, build, configure, conv_layer, cuda_events_ns, layer_id, linear_layer, wall_ns,
                          with_pinned_copies)


SHAPES = {
    # Issue 13's reference layers (the default; the same as yardsticks.sh's YARDSTICK_SHAPES=reference).
    "reference": [layer for _, layer in REFERENCE_LAYERS],
    # The shapes of the 2026-11-26 tables in results/yardsticks/gpu-host.
    "shipped": [linear_layer(1, 3072, 768), linear_layer(1, 4096, 4096), linear_layer(1, 1000, 2048),
                linear_layer(16, 3072, 768), linear_layer(64, 2304, 768),
                conv_layer(1, 64, 56, 56, 64, 3, 3, 1, 1), conv_layer(1, 64, 56, 56, 256, 1, 1, 1, 0),
                conv_layer(1, 3, 224, 224, 64, 7, 7, 2, 3), conv_layer(1, 256, 14, 14, 256, 3, 3, 1, 1)],
}
REPS = 50


def events_ns(fn, rounds=7, reps=200):
    """GPU ns per call from CUDA events around reps back-to-back calls, after 20 warm-up calls; median over rounds."""
    for _ in range(20):
        fn()
    torch.cuda.synchronize()
    return int(statistics.median(cuda_events_ns(torch, fn, reps) for _ in range(rounds))), rounds


def wall(fn, sync, warmup=5, reps=REPS):
    """Median wall-clock ns of one synchronized call, and the number of samples."""
    return int(wall_ns(fn, sync, reps, warmup)), reps


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
    configure(torch, threads)
    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else ""
    common = {"threads": threads, "torch": torch.__version__, "shapes": shape_set}

    def emit(group, impl, med, n, device):
        print(json.dumps({"group": group, "impl": impl, "medianNs": med, "n": n, "device": device, **common}), flush=True)

    with torch.no_grad():
        for layer in SHAPES[shape_set]:
            group = layer_id(layer)  # the group id of yardsticks.sh
            module, x = build(torch, layer, "cpu")
            emit(group, "torch-cpu", *wall(lambda: module(x), lambda: None), "cpu")
            if not cuda:
                continue
            glayer, gx = module.to("cuda"), x.to("cuda")
            emit(group, "torch-cuda", *wall(lambda: glayer(gx), torch.cuda.synchronize), name)
            emit(group, "torch-cuda-resident", *events_ns(lambda: glayer(gx)), name)
            emit(group, "torch-cuda-copies", *wall(with_pinned_copies(torch, glayer, x), torch.cuda.synchronize, warmup=20, reps=100), name)


if __name__ == "__main__":
    main(sys.argv[1:])
