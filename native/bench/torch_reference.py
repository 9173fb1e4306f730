"""PyTorch on the reference layers, the user's alternative beside our engine on the GPU host. Layers: the
shapes of issue 13 (the same as kernel_bench.py) plus every layer of the co-execution experiments
(linear-coexec, conv-coexec) of each --profile (default configs/profiles/host.json), so that
`coexec vs-pytorch` finds a PyTorch row for every layer a gpu-host run selects a strategy for. Per layer:
  cpu           torch CPU, THREADS threads, the layer on resident CPU tensors;
  cudaResident  torch CUDA with tensors already on the card: the layer's GPU time from CUDA events around
                REPS back-to-back calls (launch overhead amortized), i.e. comparable with our kernel time
                (OpenCL profiling end - start);
  cudaCopies    what a framework user pays per call on a discrete card: X copied in from pinned host memory,
                the layer, Y copied back into pinned host memory, synchronized (wall clock per call).
fp32 everywhere, TF32 off (our kernels are plain fp32). Writes OUT_JSON: {"machine", "date", "rows": [...]},
times in microseconds, medians over ROUNDS rounds; each row names its layer by the harness's layer id
(`layerId`, docs/contract.md section 1) and the workloads that have that shape.

usage: python3 native/bench/torch_reference.py OUT_JSON [THREADS=16] [ROUNDS=7] [--profile FILE]... [--list]
  --profile FILE  take the co-execution layers of this profile (repeatable; default configs/profiles/host.json)
  --list          print the layers as JSON lines and exit (no torch needed)"""
import datetime
import json
import os
import statistics
import sys

from torch_timing import REFERENCE_LAYERS, build, configure, cuda_events_ns, layer_id, wall_ns, with_pinned_copies

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_PROFILE = os.path.join(REPO, "configs", "profiles", "host.json")
COEXEC_EXPERIMENTS = ("linear-coexec", "conv-coexec")


def workload_layers():
    """Every workload id of configs/workloads/*.json -> its layer object."""
    out = {}
    folder = os.path.join(REPO, "configs", "workloads")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name)) as f:
                for w in json.load(f)["workloads"]:
                    out[w["id"]] = w["layer"]
    return out


def reference_layers(profiles):
    """Issue 13's shapes, then each profile's co-execution layers; one entry per layer id, in that order."""
    entries = {}
    for name, layer in REFERENCE_LAYERS:
        entries.setdefault(layer_id(layer), {"layer": layer, "names": [], "workloads": []})["names"].append(name)
    known = workload_layers()
    for path in profiles:
        try:
            with open(path) as f:
                experiments = json.load(f)["experiments"]
        except (OSError, ValueError, KeyError) as e:
            sys.exit("torch_reference: cannot read the profile %s (%s)" % (path, e))
        for experiment in COEXEC_EXPERIMENTS:
            for wid in experiments.get(experiment, {}).get("workloads", []):
                if wid not in known:
                    sys.exit("torch_reference: %s names workload %s, which no configs/workloads file defines" % (path, wid))
                e = entries.setdefault(layer_id(known[wid]), {"layer": known[wid], "names": [], "workloads": []})
                if wid not in e["workloads"]:
                    e["workloads"].append(wid)
    return [dict(layerId=k, **v) for k, v in entries.items()]


def measure(torch, entry, threads, rounds, cuda):
    """One row: the layer's CPU, CUDA-resident and CUDA-with-copies medians in microseconds."""
    row = {"layerId": entry["layerId"], "layer": "/".join(entry["names"]) or entry["layerId"],
           "workloads": entry["workloads"], "threads": threads}
    layer, x = build(torch, entry["layer"], "cpu")
    for _ in range(5):
        layer(x)
    row["cpuUs"] = statistics.median(wall_ns(lambda: layer(x), lambda: None, 30) / 1e3 for _ in range(rounds))
    if cuda:
        glayer, gx = build(torch, entry["layer"], "cuda")
        for _ in range(20):
            glayer(gx)
        torch.cuda.synchronize()
        row["cudaResidentUs"] = statistics.median(cuda_events_ns(torch, lambda: glayer(gx), 200) / 1e3 for _ in range(rounds))
        with_copies = with_pinned_copies(torch, glayer, x)
        for _ in range(20):
            with_copies()
        torch.cuda.synchronize()
        row["cudaCopiesUs"] = statistics.median(wall_ns(with_copies, torch.cuda.synchronize, 100) / 1e3 for _ in range(rounds))
    return row


def main(argv):
    profiles, positional, list_only = [], [], False
    i = 0
    while i < len(argv):
        if argv[i] == "--profile":
            if i + 1 >= len(argv):
                sys.exit("torch_reference: --profile needs a file")
            profiles.append(argv[i + 1])
            i += 2
        elif argv[i] == "--list":
            list_only = True
            i += 1
        elif argv[i].startswith("--"):
            sys.exit("torch_reference: unknown option %s (known: --profile FILE, --list)" % argv[i])
        else:
            positional.append(argv[i])
            i += 1
    entries = reference_layers(profiles or [DEFAULT_PROFILE])
    if list_only:
        for e in entries:
            print(json.dumps(e))
        return
    if not positional:
        sys.exit(__doc__.split("usage: ")[1])
    out = positional[0]
    threads = int(positional[1]) if len(positional) > 1 else 16
    rounds = int(positional[2]) if len(positional) > 2 else 7

    import torch  # only for measuring: --list and the layer ids work without it

    configure(torch, threads)
    cuda = torch.cuda.is_available()
    rows = []
    with torch.no_grad():
        for entry in entries:
            rows.append(measure(torch, entry, threads, rounds, cuda))
            print(json.dumps(rows[-1]), flush=True)
    machine = {"torch": torch.__version__, "cpuThreads": threads,
               "gpu": torch.cuda.get_device_name(0) if cuda else None,
               "cudnn": torch.backends.cudnn.version() if cuda else None, "tf32": False}
    with open(out, "w") as f:
        json.dump({"machine": machine, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "profiles": [os.path.relpath(os.path.abspath(p), REPO) for p in (profiles or [DEFAULT_PROFILE])],
                   "rounds": rounds, "unit": "us", "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
