/**
 * The GPU side's host cost beyond the kernel, per sync mechanism: what the host observes from the first
 * enqueue to the slice being complete, minus the kernel's own profiling time. It is not a constant: on a
 * discrete GPU it holds copying the input to the device and the slice's output back over PCIe, so it grows
 * with bytes; with fine-grained SVM nothing is copied and it stays about constant. Modelled per mechanism
 * as fixed + perInputByte * inputBytes + perOutputByte * outputBytes with non-negative coefficients (a
 * larger copy is never cheaper), plus '*' fitted on every mechanism for mechanisms unseen in training. The
 * per-byte terms are kept only when they predict workloads left out of the fit better than a constant.
 */
import { median } from '../analysis/metrics.js';
import type { HostCostSample } from './dataset.js';
import type { TransferBytes } from './features.js';
import { nnls } from './nnls.js';

export interface HostCost {
  fixedNs: number;
  perInputByteNs: number;
  perOutputByteNs: number;
}

/** Fewer samples than this cannot tell a per-byte cost from noise: the median constant is used instead. */
export const MIN_SAMPLES_FOR_BYTES = 6;

/** Fewer groups (workloads) than this cannot check a per-byte fit on data it did not see: the constant is used. */
export const MIN_GROUPS_FOR_BYTES = 3;

const NNLS = { lambda: 1e-9, sweeps: 5000 } as const;

/** Host cost of a GPU slice moving `bytes`. */
export function hostCostNs(c: HostCost, bytes: TransferBytes): number {
  return c.fixedNs + c.perInputByteNs * bytes.inputBytes + c.perOutputByteNs * bytes.outputBytes;
}

/** A constant host cost: the median, robust to the few jobs whose host side stalled. */
function constantCost(samples: readonly HostCostSample[]): HostCost {
  return { fixedNs: samples.length > 0 ? Math.max(0, median(samples.map((s) => s.costNs))) : 0, perInputByteNs: 0, perOutputByteNs: 0 };
}

/** Whether a column takes at least two values: a constant one is the fixed cost again and cannot be told apart. */
function varies(values: readonly number[]): boolean {
  return values.some((v) => v !== values[0]);
}

/** The per-byte fit; the constant when the samples are too few or their bytes never vary. */
function fitPerByte(samples: readonly HostCostSample[]): HostCost {
  const input = samples.map((s) => s.inputBytes);
  const output = samples.map((s) => s.outputBytes);
  const useInput = varies(input);
  const useOutput = varies(output);
  if (samples.length < MIN_SAMPLES_FOR_BYTES || (!useInput && !useOutput)) return constantCost(samples);
  // Columns that do not vary are zeroed, so NNLS leaves their coefficient at 0 and the fixed cost takes them.
  const x = samples.map((_, i) => [1, useInput ? input[i]! : 0, useOutput ? output[i]! : 0]);
  // Residuals relative to the whole host-observed side: 50 us matter on a 100 us slice, not on a 10 ms one.
  const scale = samples.map((s) => s.sideNs);
  const [fixedNs, perInputByteNs, perOutputByteNs] = nnls(x, samples.map((s) => s.costNs), { ...NNLS, scale }) as [number, number, number];
  return { fixedNs, perInputByteNs, perOutputByteNs };
}

/**
 * Mean relative error of the host-observed GPU side when each group's samples are predicted by a host cost
 * fitted on the other groups (the kernel taken as measured, so only the host cost is judged). Groups are
 * workloads, not layer shapes: the slices cut from one layer share its input bytes, so holding out one
 * slice at a time would not test the input term on an input size it has not seen.
 */
function heldOutGroupError(samples: readonly HostCostSample[], fit: (s: readonly HostCostSample[]) => HostCost): number {
  let sum = 0;
  for (const group of new Set(samples.map((s) => s.group))) {
    const c = fit(samples.filter((s) => s.group !== group));
    for (const s of samples) if (s.group === group) sum += Math.abs(hostCostNs(c, s) - s.costNs) / s.sideNs;
  }
  return sum / samples.length;
}

/**
 * Fits one mechanism's host cost: per byte when that predicts held-out workloads better than the
 * constant, else the constant. The check matters where the cost does not follow bytes (a CPU device's
 * "copies" are memcpy next to a kernel whose own overhead varies): there a per-byte fit only chases noise.
 */
export function fitHostCost(samples: readonly HostCostSample[]): HostCost {
  const perByte = fitPerByte(samples);
  const constant = constantCost(samples);
  if (perByte.perInputByteNs === 0 && perByte.perOutputByteNs === 0) return constant;
  if (new Set(samples.map((s) => s.group)).size < MIN_GROUPS_FOR_BYTES) return constant;
  return heldOutGroupError(samples, fitPerByte) < heldOutGroupError(samples, constantCost) ? perByte : constant;
}

/** Host cost per mechanism, with '*' fitted on all samples. */
export function hostCostByMechanism(samples: readonly HostCostSample[]): Record<string, HostCost> {
  if (samples.length === 0) return {};
  const mechanisms = [...new Set(samples.map((s) => s.mechanism))].sort();
  return Object.fromEntries([
    ...mechanisms.map((m) => [m, fitHostCost(samples.filter((s) => s.mechanism === m))] as const),
    ['*', fitHostCost(samples)] as const,
  ]);
}
