/**
 * The per-side comparison for ARTIFACT.md (issue 13 item 5): per reference layer, our best implementation of
 * each side beside the libraries of that device, measured in one session (native/bench/yardsticks.sh and
 * torch_yardstick.py). CPU: our best CPU implementation vs OpenBLAS and PyTorch CPU. GPU: our best variant's
 * layer latency (copies included) vs CLBlast and PyTorch CUDA with pinned copies, and our best kernel time vs
 * PyTorch CUDA with resident tensors (CUDA events). Ratios are time ours / time library: below 1 ours is
 * faster; issue 13's targets read them (CPU <= 1.3x PyTorch CPU, GPU kernel <= 2x PyTorch CUDA resident).
 * Pure; yardsticks.ts writes the files.
 */
import { labelFromLayerId } from './layer-id-label.js';
import type { Table } from './tables.js';
import { isOurs, type YardstickRow } from './yardsticks.js';

const us = (x: number | undefined) => (x === undefined ? '' : x.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '' : (a / b).toFixed(2));

/** The fastest row by `key` among `rows`, or undefined. */
function fastest(rows: readonly YardstickRow[], key: (r: YardstickRow) => number | undefined | null): YardstickRow | undefined {
  return rows.filter((r) => typeof key(r) === 'number').sort((a, b) => key(a)! - key(b)!)[0];
}

/** A library's latency on one layer (undefined when not measured or not ok). */
const lib = (rows: readonly YardstickRow[], impl: string) => rows.find((r) => r.impl === impl && r.medianUs !== null)?.medianUs ?? undefined;

/** CPU side: ours (best implementation) vs OpenBLAS and PyTorch CPU, per layer. */
export function cpuSideTable(rows: readonly YardstickRow[]): Table {
  const groups = [...new Set(rows.map((r) => r.group))];
  return {
    title: 'CPU side: ours vs the libraries on the same cores (time ours / library; below 1 ours is faster)',
    headers: ['layer', 'ours best', 'ours (us)', 'OpenBLAS (us)', 'PyTorch CPU (us)', 'ours / OpenBLAS', 'ours / PyTorch CPU'],
    rows: groups.flatMap((g) => {
      const mine = rows.filter((r) => r.group === g && r.side === 'cpu');
      if (mine.length === 0) return [];
      const best = fastest(mine.filter((r) => isOurs(r.impl)), (r) => r.medianUs);
      const blas = lib(mine, 'openblas') ?? lib(mine, 'openblas-im2col');
      const torch = lib(mine, 'torch-cpu');
      const oursUs = best?.medianUs ?? undefined;
      return [[labelFromLayerId(g), best?.impl ?? 'none ok', us(oursUs), us(blas), us(torch), ratio(oursUs, blas), ratio(oursUs, torch)]];
    }),
  };
}

/** GPU side: layer latency vs CLBlast and PyTorch CUDA with copies; kernel time vs PyTorch CUDA resident. */
export function gpuSideTable(rows: readonly YardstickRow[]): Table {
  const groups = [...new Set(rows.map((r) => r.group))];
  return {
    title: 'GPU side: ours vs the libraries on the same card (time ours / library; below 1 ours is faster)',
    headers: ['layer', 'ours best layer', 'ours layer (us)', 'CLBlast (us)', 'PyTorch CUDA + pinned copies (us)', 'ours / CLBlast', 'ours / PyTorch CUDA + copies',
      'ours best kernel', 'ours kernel (us)', 'PyTorch CUDA resident (us)', 'ours kernel / PyTorch resident'],
    rows: groups.flatMap((g) => {
      const mine = rows.filter((r) => r.group === g && r.side === 'gpu');
      if (mine.length === 0) return [];
      const ours = mine.filter((r) => isOurs(r.impl));
      const bestLayer = fastest(ours, (r) => r.medianUs);
      const bestKernel = fastest(ours, (r) => r.kernelUs);
      const layerUs = bestLayer?.medianUs ?? undefined;
      const clblast = lib(mine, 'clblast');
      const copies = lib(mine, 'torch-cuda-copies');
      const resident = mine.find((r) => r.impl === 'torch-cuda-resident')?.kernelUs;
      return [[labelFromLayerId(g), bestLayer?.impl ?? 'none ok', us(layerUs), us(clblast), us(copies), ratio(layerUs, clblast), ratio(layerUs, copies),
        bestKernel?.impl ?? '', us(bestKernel?.kernelUs), us(resident), ratio(bestKernel?.kernelUs, resident)]];
    }),
  };
}
