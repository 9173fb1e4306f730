"""PyTorch CUDA host <-> device copy bandwidth from pinned host memory, the yardstick for the engine's copy jobs
(issue 12: >= 40 GB/s for 1 MB and larger). Per size and direction: the wall time of one copy_(non_blocking)
+ torch.cuda.synchronize() (what the engine's copy job times: enqueue and wait on the host), median over SAMPLES
after a warm-up, and the GPU time between two CUDA events around the copy (the bus alone). GB/s = bytes / time.
usage: python3 native/bench/torch_copy_bandwidth.py OUT_JSON [SAMPLES=300] [SIZES_MB=1,2,4,8,16,32]"""
import datetime
import json
import statistics
import sys
import time

import torch


def measure(nbytes, direction, samples):
    n = nbytes // 4
    host = torch.empty(n, dtype=torch.float32).pin_memory()
    dev = torch.empty(n, dtype=torch.float32, device="cuda")
    src, dst = (host, dev) if direction == "host-to-device" else (dev, host)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    wall, gpu = [], []
    for i in range(samples + 20):
        torch.cuda.synchronize()
        t0 = time.perf_counter_ns()
        start.record()
        dst.copy_(src, non_blocking=True)
        end.record()
        torch.cuda.synchronize()
        t1 = time.perf_counter_ns()
        if i >= 20:
            wall.append(t1 - t0)
            gpu.append(start.elapsed_time(end) * 1e6)
    w, g = statistics.median(wall), statistics.median(gpu)
    return {"bytes": nbytes, "direction": direction, "wallUs": round(w / 1e3, 2), "gpuUs": round(g / 1e3, 2),
            "wallGbPerS": round(nbytes / w, 2), "gpuGbPerS": round(nbytes / g, 2)}


def main():
    out = sys.argv[1]
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    sizes = [float(x) for x in (sys.argv[3] if len(sys.argv) > 3 else "1,2,4,8,16,32").split(",")]
    rows = [measure(int(mb * (1 << 20)), d, samples) for mb in sizes for d in ("host-to-device", "device-to-host")]
    doc = {"schemaVersion": 1, "tool": "native/bench/torch_copy_bandwidth.py", "torch": torch.__version__,
           "device": torch.cuda.get_device_name(0), "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "samples": samples, "rows": rows}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    for r in rows:
        print(f"{r['bytes'] / (1 << 20):5.1f} MB {r['direction']:15s} wall {r['wallUs']:8.2f} us {r['wallGbPerS']:6.2f} GB/s   gpu {r['gpuUs']:8.2f} us {r['gpuGbPerS']:6.2f} GB/s")


if __name__ == "__main__":
    main()
