"""PyTorch timing shared by torch_reference.py and torch_yardstick.py: the layer as a torch module, the
settings both measure under, and the three ways they time it. Every function takes the torch module as an
argument, so this file imports (and its callers list layers) without torch installed.

Layers are the harness's layer objects (configs/workloads: {"type": "linear", "M", "N", "K"} or
{"type": "conv2d", "batch", "C", "H", "W", "F", "R", "S", "strideH", "strideW", "padH", "padW"})."""
import statistics
import time


def linear_layer(m, n, k):
    """Y[M, N] = X[M, K] W^T + b as a layer object."""
    return {"type": "linear", "M": m, "N": n, "K": k}


def conv_layer(batch, c, h, w, f, r, s, stride, pad):
    """A conv2d layer object with the same stride and padding along both axes."""
    return {"type": "conv2d", "batch": batch, "C": c, "H": h, "W": w, "F": f, "R": r, "S": s,
            "strideH": stride, "strideW": stride, "padH": pad, "padW": pad}


# Issue 13's reference layers, by name: what both scripts measure by default.
REFERENCE_LAYERS = [
    ("linear-1x768x3072", linear_layer(1, 3072, 768)),
    ("linear-64x768x3072", linear_layer(64, 3072, 768)),
    ("linear-256x768x3072", linear_layer(256, 3072, 768)),
    ("conv-64x56x56-f64-3x3", conv_layer(1, 64, 56, 56, 64, 3, 3, 1, 1)),
    ("conv-128x28x28-f128-3x3", conv_layer(1, 128, 28, 28, 128, 3, 3, 1, 1)),
    ("conv-stem-3x224x224-f64-7x7s2", conv_layer(1, 3, 224, 224, 64, 7, 7, 2, 3)),
    ("conv-256x56x56-f64-1x1", conv_layer(1, 256, 56, 56, 64, 1, 1, 1, 0)),
]


def layer_id(layer):
    """The harness's layer id (src/plan/ids.ts layerId): the key the report matches PyTorch rows on."""
    if layer["type"] == "linear":
        return "linear/M:%d/N:%d/K:%d" % (layer["M"], layer["N"], layer["K"])
    return "conv2d/B:%d/C:%d/H:%d/W:%d/F:%d/R:%d/S:%d/st:%dx%d/pad:%dx%d" % tuple(
        layer[k] for k in ("batch", "C", "H", "W", "F", "R", "S", "strideH", "strideW", "padH", "padW"))


def configure(torch, threads):
    """THREADS CPU threads; plain fp32 on CUDA as our kernels compute (no TF32); cuDNN picks its fastest
    algorithm per shape, as a framework user's would."""
    torch.set_num_threads(threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True


def build(torch, layer, device):
    """The layer as a torch module and a random input in [-1, 1) of its shape, both on the device."""
    if layer["type"] == "linear":
        return (torch.nn.Linear(layer["K"], layer["N"]).to(device),
                torch.rand(layer["M"], layer["K"], device=device) * 2 - 1)
    module = torch.nn.Conv2d(layer["C"], layer["F"], (layer["R"], layer["S"]), stride=(layer["strideH"], layer["strideW"]),
                             padding=(layer["padH"], layer["padW"])).to(device)
    return module, torch.rand(layer["batch"], layer["C"], layer["H"], layer["W"], device=device) * 2 - 1


def wall_ns(fn, sync, reps, warmup=0):
    """Median wall-clock nanoseconds of one call followed by sync(), over reps calls after warmup untimed ones."""
    for _ in range(warmup):
        fn()
    sync()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        sync()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples)


def cuda_events_ns(torch, fn, reps):
    """GPU nanoseconds per call from CUDA events around reps back-to-back calls: launch overhead amortized, so
    comparable with our kernel time (OpenCL profiling end - start)."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) * 1e6 / reps


def with_pinned_copies(torch, gpu_module, x):
    """A call as a framework user pays it on a discrete card: x (a CPU tensor) copied in from pinned host
    memory, the module on the card, the output copied back into pinned host memory. Needs a synchronize to
    finish (the copies are asynchronous)."""
    hx = x.clone().pin_memory()
    hy = torch.empty(gpu_module(hx.to("cuda")).shape).pin_memory()

    def call():
        hy.copy_(gpu_module(hx.to("cuda", non_blocking=True)), non_blocking=True)

    return call
