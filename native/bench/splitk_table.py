#!/usr/bin/env python3
"""Split-K against the variants it extends, per shape of one kernel-bench.json (native/bench/kernel_bench.py with
native/bench/nvidia-splitk-screen.json or nvidia-gemm-splitk-screen.json, every candidate a finalist): the fastest
split-K variant (conv_splitk, gemm_splitk) and the fastest of the others (conv_local, conv_im2col_gemm; gemv_row(s), gemm_tiled, gemm_local) by kernel time (OpenCL profiling, from the first kernel's start to the last's
end: a split variant's sum included) and by GPU-only layer latency (finish, medians of the rounds), the speedup of
split-K on each, and both kernels against PyTorch CUDA with resident tensors (issue 13's NVIDIA target: <= 2x).
PyTorch's time comes from the kernel-bench file where it matched the shape's name, else from TORCH_JSON
(native/bench/torch_reference.py output of the same call) by the layer id.
usage: native/bench/splitk_table.py KERNEL_BENCH_JSON [TORCH_JSON]"""
import json
import sys


def best(rows, key):
    return min(rows, key=lambda r: r.get(key) or float("inf"), default=None)


def main(path, torch_path=None):
    bench = json.load(open(path))
    torch_rows = {r["layerId"]: r for r in json.load(open(torch_path))["rows"]} if torch_path else {}
    print(f"{path} (engine {bench.get('engineCommit', '?')[:8]}, {bench.get('date', '?')})\n")
    print("| shape | others: best kernel (us) | split-K: best kernel (us) | kernel speedup | others: best layer (us) | "
          "split-K: best layer (us) | layer speedup | PyTorch CUDA resident (us) | ours / PyTorch, before -> after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for shape in bench["shapes"]:
        ok = [f for f in shape["gpu"].get("finalists", []) if f.get("status") == "ok"]
        split = [f for f in ok if "_splitk_" in f["variant"]]
        other = [f for f in ok if "_splitk_" not in f["variant"]]
        bk_o, bk_s, bl_o, bl_s = best(other, "kernelMs"), best(split, "kernelMs"), best(other, "latencyMs"), best(split, "latencyMs")
        if not (bk_o and bk_s and bl_o and bl_s):
            print(f"| {shape['name']} | (missing: {len(other)} others, {len(split)} split-K finalists) |||||||| ")
            continue
        us = lambda f, k: f[k] * 1e3
        torch = shape.get("torchCudaResidentMs") or (torch_rows.get(shape["layerId"], {}).get("cudaResidentUs") or 0) / 1e3 or None
        vs = (f"{us(bk_o, 'kernelMs') / (torch * 1e3):.2f} -> {min(us(bk_o, 'kernelMs'), us(bk_s, 'kernelMs')) / (torch * 1e3):.2f}"
              if torch else "n/a")
        print(f"| {shape['name']} | {bk_o['variant']} {us(bk_o, 'kernelMs'):.1f} | {bk_s['variant']} {us(bk_s, 'kernelMs'):.1f} | "
              f"**{bk_o['kernelMs'] / bk_s['kernelMs']:.2f}** | {us(bl_o, 'latencyMs'):.1f} | {us(bl_s, 'latencyMs'):.1f} | "
              f"{bl_o['latencyMs'] / bl_s['latencyMs']:.2f} | {torch * 1e3:.1f} | {vs} |" if torch else
              f"| {shape['name']} | {bk_o['variant']} {us(bk_o, 'kernelMs'):.1f} | {bk_s['variant']} {us(bk_s, 'kernelMs'):.1f} | "
              f"**{bk_o['kernelMs'] / bk_s['kernelMs']:.2f}** | {us(bl_o, 'latencyMs'):.1f} | {us(bl_s, 'latencyMs'):.1f} | "
              f"{bl_o['latencyMs'] / bl_s['latencyMs']:.2f} | n/a | n/a |")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
