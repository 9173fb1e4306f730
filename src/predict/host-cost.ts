/**
 * The GPU side's host cost beyond the kernel, per sync mechanism: what the host observes from the first
 * enqueue to the slice being complete, minus the kernel's own profiling time. It is not a constant: on a
 * discrete GPU it holds copying the input to the device and the slice's output back over PCIe, so it grows
 * with bytes; with fine-grained SVM nothing is copied and it stays about constant. Modelled per mechanism
 * as fixed + perInputByte * inputBytes + perOutputByte * outputBytes with non-negative coefficients (a
 * larger copy is never cheaper), plus '*' fitted on every mechanism for mechanisms unseen in training. The
 * per-byte terms are kept only when their coefficients are clearly above their standard errors.
 * Where the platform names its host-device link's peak bandwidth, a mechanism that copies over it has each
 * per-byte term at least 1 / peak (copyFloorNsPerByte): the fit prices only the excess over that floor.
 */
import { median } from '../analysis/metrics.js';
import type { HostCostSample } from './dataset.js';
import type { TransferBytes } from './features.js';
import { nnls } from './nnls.js';

export interface HostCost {
  fixedNs: number;
  perInputByteNs: number;
  perOutputByteNs: number;
  /**
   * Per output row instead of per output byte, where the training could not tell the two apart (fitHostCost);
   * beside a per-byte term that is then the copy floor alone.
   */
  perOutputRowNs?: number;
}

/** Fewer samples than this cannot tell a per-byte cost from noise: the median constant is used instead. */
export const MIN_SAMPLES_FOR_BYTES = 6;

/** Fewer groups (workloads, so fewer distinct input sizes) than this cannot tell a copy cost from a fixed one: the constant is used. */
export const MIN_GROUPS_FOR_BYTES = 3;

const NNLS = { lambda: 1e-9, sweeps: 5000 } as const;

/** Host cost of a GPU slice moving `bytes`. */
export function hostCostNs(c: HostCost, bytes: TransferBytes): number {
  return c.fixedNs + c.perInputByteNs * bytes.inputBytes + c.perOutputByteNs * bytes.outputBytes
    + (c.perOutputRowNs ?? 0) * (bytes.outputRows ?? 0);
}

/** A constant host cost: the median, robust to the few jobs whose host side stalled. */
function constantCost(samples: readonly HostCostSample[]): HostCost {
  return { fixedNs: samples.length > 0 ? Math.max(0, median(samples.map((s) => s.costNs))) : 0, perInputByteNs: 0, perOutputByteNs: 0 };
}

/** Whether a column takes at least two values: a constant one is the fixed cost again and cannot be told apart. */
function varies(values: readonly number[]): boolean {
  return values.some((v) => v !== values[0]);
}

/** Which byte columns a per-byte fit may use. */
interface ByteColumns {
  input: boolean;
  output: boolean;
}

/** The weighted design of a per-byte fit: rows [1, input, output] and targets, each divided by the side time. */
function weightedDesign(samples: readonly HostCostSample[]): { a: number[][]; b: number[] } {
  // Residuals relative to the whole host-observed side: 50 us matter on a 100 us slice, not on a 10 ms one.
  return {
    a: samples.map((s) => [1, s.inputBytes, s.outputBytes].map((v) => v / s.sideNs)),
    b: samples.map((s) => s.costNs / s.sideNs),
  };
}

/** The per-byte fit on the given columns; the constant when the samples are too few or no used column varies. */
function fitPerByte(samples: readonly HostCostSample[], allowed: ByteColumns = { input: true, output: true }): HostCost {
  const use = {
    input: allowed.input && varies(samples.map((s) => s.inputBytes)),
    output: allowed.output && varies(samples.map((s) => s.outputBytes)),
  };
  if (samples.length < MIN_SAMPLES_FOR_BYTES || (!use.input && !use.output)) return constantCost(samples);
  // Columns that do not vary are zeroed, so NNLS leaves their coefficient at 0 and the fixed cost takes them.
  const x = samples.map((s) => [1, use.input ? s.inputBytes : 0, use.output ? s.outputBytes : 0]);
  const scale = samples.map((s) => s.sideNs);
  const [fixedNs, perInputByteNs, perOutputByteNs] = nnls(x, samples.map((s) => s.costNs), { ...NNLS, scale }) as [number, number, number];
  return { fixedNs, perInputByteNs, perOutputByteNs };
}

/** A per-byte term is kept only when its coefficient is at least this many standard errors from zero. */
export const MIN_BYTE_T = 2;

/** Inverse of a small symmetric positive definite matrix (Gauss-Jordan); undefined when singular. */
function invert(m: readonly number[][]): number[][] | undefined {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (!(Math.abs(a[p]![c]!) > 1e-300)) return undefined;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const d = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      if (f !== 0) for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * t statistics (coefficient / standard error) of a fit's byte terms, from the weighted least-squares
 * covariance on the columns the fit uses (fixed cost plus the non-zero byte terms); 0 for an unused term.
 * A slope fitted on inputs of a few KB, next to host noise of several us, has a standard error as large as
 * itself: it is noise, and extrapolated to a layer with a large input it predicts copies that do not happen.
 */
export function byteTermT(samples: readonly HostCostSample[], c: HostCost): { input: number; output: number } {
  const cols = [0, ...(c.perInputByteNs > 0 ? [1] : []), ...(c.perOutputByteNs > 0 ? [2] : [])];
  const coef = [c.fixedNs, c.perInputByteNs, c.perOutputByteNs];
  const { a, b } = weightedDesign(samples);
  const dof = samples.length - cols.length;
  if (cols.length === 1 || dof <= 0) return { input: 0, output: 0 };
  const rss = a.reduce((sum, row, i) => sum + (cols.reduce((t, j) => t + row[j]! * coef[j]!, 0) - b[i]!) ** 2, 0);
  const gram = cols.map((j) => cols.map((k) => a.reduce((sum, row) => sum + row[j]! * row[k]!, 0)));
  const inv = invert(gram);
  if (!inv) return { input: 0, output: 0 };
  const t = (term: number): number => {
    const at = cols.indexOf(term);
    if (at < 0) return 0;
    const se = Math.sqrt((rss / dof) * inv[at]![at]!);
    return se > 0 ? coef[term]! / se : Number.POSITIVE_INFINITY;
  };
  return { input: t(1), output: t(2) };
}

/**
 * The per-byte fit keeping only the byte terms that stand out from the noise (MIN_BYTE_T), refitted without the
 * others. Where only one of the two stands out and `shared` allows it, one slope on input plus output bytes is
 * kept instead if it fits the samples better: input and output grow together over most training shapes, so the
 * joint fit can leave the input's slope just under the bar while one shape with a large output pins the output's.
 * The output's slope alone then prices a held-out shape with a large input as nearly free (pocl-split conv
 * 2026-12-06T0647Z, svm-coarse, C144 56x56 1x1 held out: its 1.8 MB input priced at 58 us of host cost where
 * 250-344 us were measured; the input's t was 1.9). A shared slope is what a copy of both costs per byte.
 */
function fitSignificantBytes(samples: readonly HostCostSample[], singleRetry = false, shared = false): HostCost {
  const first = fitPerByte(samples);
  const t = byteTermT(samples, first);
  const keep = { input: t.input >= MIN_BYTE_T, output: t.output >= MIN_BYTE_T };
  if (!keep.input && !keep.output) return singleRetry ? fitOneSignificantByte(samples) : constantCost(samples);
  if (keep.input === first.perInputByteNs > 0 && keep.output === first.perOutputByteNs > 0) return first;
  const one = fitPerByte(samples, keep);
  if (!shared || keep.input === keep.output) return one;
  const both = fitSharedSlope(samples);
  return both && weightedRss(samples, both) < weightedRss(samples, one) ? both : one;
}

/** One slope on input plus output bytes (and the fixed cost); undefined where the total does not vary. */
function fitSharedSlope(samples: readonly HostCostSample[]): HostCost | undefined {
  const total = samples.map((s) => s.inputBytes + s.outputBytes);
  if (samples.length < MIN_SAMPLES_FOR_BYTES || !varies(total)) return undefined;
  const [fixedNs, perByteNs] = nnls(samples.map((_, i) => [1, total[i]!]), samples.map((s) => s.costNs), { ...NNLS, scale: samples.map((s) => s.sideNs) }) as [number, number];
  return perByteNs > 0 ? { fixedNs, perInputByteNs: perByteNs, perOutputByteNs: perByteNs } : undefined;
}

/** The fit's squared residuals relative to each sample's side time (the weighting every fit here uses). */
function weightedRss(samples: readonly HostCostSample[], c: HostCost): number {
  return samples.reduce((sum, s) => sum + ((hostCostNs(c, s) - s.costNs) / s.sideNs) ** 2, 0);
}

/**
 * The least a byte copied over a link of peak `peakGBps` costs, in ns (1 GB/s moves 1 byte per ns); 0 where
 * no link is named (host-unified memory: nothing is copied, or the platform does not say).
 */
export function copyFloorNsPerByte(peakGBps: number | undefined): number {
  return peakGBps !== undefined && peakGBps > 0 ? 1 / peakGBps : 0;
}

/**
 * The host memory paths (resolved.hostMemory, contract section 4) that copy a slice's input in and its
 * output back over the link: pinned copies, and coarse-grained SVM's map and unmap, which on a device with
 * memory of its own move the buffer (on the H200 host: 9 GB/s read back, slower than the pinned copy).
 * Zero-copy and fine-grained SVM leave the data where it is (the kernel reads it in its own time), and
 * CPU-only jobs move nothing.
 */
const COPYING_PATHS: ReadonlySet<string> = new Set(['pinned-copy', 'svm-coarse-map']);

/**
 * The mechanisms whose point is sharing memory: svm-fine, and svm-resident, which keeps svm-fine's
 * fine-grained SVM buffers (resolved.hostMemory "svm-fine-shared") under a kernel launched once per job.
 */
const SHARING_MECHANISMS: ReadonlySet<string> = new Set(['svm-fine', 'svm-resident']);

/**
 * Whether a sample's GPU side copies its bytes over the link: by its host memory path, or for jobs from
 * before the engine reported one, every mechanism but the sharing ones (svm-fine, svm-resident).
 */
export function copiesOverLink(s: Pick<HostCostSample, 'mechanism' | 'hostMemory'>): boolean {
  return s.hostMemory !== undefined ? COPYING_PATHS.has(s.hostMemory) : !SHARING_MECHANISMS.has(s.mechanism);
}

/**
 * Fits one mechanism's host cost with per-byte terms of at least `floorNsPerByte` (copyFloorNsPerByte; 0 =
 * none). A copy cannot beat the link, yet a fit whose training shapes all copy little leaves the per-byte
 * terms barely constrained or drops them as noise, and then prices a held-out layer's large copy as nearly
 * free (gpu-host linear 1041Z, M = 256 held out: its 3.1 MB read-back priced at 37 us of host cost where 93 us
 * were measured). The floor's share (floor x bytes) is taken out of every sample's cost first, the fixed
 * cost and any per-byte excess are fitted on what remains (fitExcess) and the floor added back to the byte
 * terms, so the fixed cost does not also absorb the copies the floor prices. An excess that neither slope
 * shows in the joint fit is tried on each alone (fitOneSignificantByte): a copy slower than the link is a
 * shortfall of the link's, small beside the floor, and dropping it priced the 1041Z run's M = 256 finish
 * copies at the link (78 us of host cost, 94 us measured). Without a floor the fit is as it always was.
 */
export function fitHostCost(samples: readonly HostCostSample[], floorNsPerByte = 0): HostCost {
  if (!(floorNsPerByte > 0)) return fitExcess(samples);
  const excess = fitExcess(samples.map((s) => ({ ...s, costNs: s.costNs - floorNsPerByte * (s.inputBytes + s.outputBytes) })), true);
  // With one output width the excess slope is per row (fitExcess) while the floor stays per byte: the link
  // moves bytes whatever the width, and a cost per row (work-groups, waits) is what is left beyond it.
  return { ...excess, perInputByteNs: excess.perInputByteNs + floorNsPerByte, perOutputByteNs: excess.perOutputByteNs + floorNsPerByte };
}

/**
 * Where neither byte term stands out jointly: each alone, keeping the one with the larger t if it stands
 * out (else the constant). Input and output bytes grow together over the training shapes (more rows, more of
 * both), so their joint fit splits one shortfall between two uncertain slopes.
 */
function fitOneSignificantByte(samples: readonly HostCostSample[]): HostCost {
  let best: HostCost | undefined, bestT = MIN_BYTE_T;
  for (const only of [{ input: true, output: false }, { input: false, output: true }]) {
    const c = fitPerByte(samples, only);
    const t = byteTermT(samples, c);
    const tt = only.input ? t.input : t.output;
    if (tt >= bestT) { best = c; bestT = tt; }
  }
  return best ?? constantCost(samples);
}

/**
 * Fits one mechanism's host cost (beyond any copy floor): per byte, keeping only the byte terms that stand
 * out from the noise (byteTermT), else the constant. It matters where the cost does not follow bytes (a CPU device's "copies"
 * are memcpy next to a kernel whose own overhead varies; inputs of a few KB at M = 1): there a per-byte fit
 * only chases noise. Judging the terms by their standard error instead of by predicting each training
 * workload from the others keeps a copy cost that the largest input pins down alone (gpu-host conv
 * 2026-12-03: a 1.8 MB input among 60-200 KB ones; held-out GPU side MAPE 13.5 -> 8.5).
 */
function fitExcess(samples: readonly HostCostSample[], singleRetry = false): HostCost {
  if (new Set(samples.map((s) => s.group)).size < MIN_GROUPS_FOR_BYTES) return constantCost(samples);
  if (!oneOutputWidth(samples)) return fitSignificantBytes(samples, singleRetry, true);
  // Output bytes are rows times one width here: a slope on them is as much a cost per row as per byte, and
  // only the row reading extrapolates to a wider output without inventing a copy (see oneOutputWidth).
  const byRows = fitSignificantBytes(samples.map((s) => ({ ...s, outputBytes: s.outputRows! })), singleRetry);
  return byRows.perOutputByteNs > 0 ? { ...byRows, perOutputByteNs: 0, perOutputRowNs: byRows.perOutputByteNs } : byRows;
}

/**
 * Whether every sample's output is its rows times one and the same width (bytes per output row: 4 M for a
 * linear layer, 4 P*Q for conv). Then output bytes and output rows are the same column up to a constant and
 * the fit cannot tell a copy cost from a cost per row (work-groups, the wait on a longer launch). Read as
 * bytes, a slope from M = 1 training predicts a copy 8x dearer at M = 8 that is not there (gpu-host linear
 * 2026-12-03, bert-base M = 8 held out: finish host cost 21 us measured, 44 us predicted from 0.34 ns per
 * output byte, 3 GB/s, a tenth of the pinned copy's speed); read as rows it predicts the M = 1 cost.
 */
export function oneOutputWidth(samples: readonly HostCostSample[]): boolean {
  const widths = new Set<number>();
  for (const s of samples) {
    if (!(s.outputRows! > 0)) return false;
    widths.add(s.outputBytes / s.outputRows!);
  }
  return widths.size === 1;
}

/**
 * Host cost per mechanism, with '*' fitted on all samples. `floorNsPerByte` (copyFloorNsPerByte of the
 * platform's link; 0 = none) bounds the per-byte terms of each fit whose samples all copy over the link
 * (copiesOverLink); a fit with a sample that does not copy has no floor.
 */
export function hostCostByMechanism(samples: readonly HostCostSample[], floorNsPerByte = 0): Record<string, HostCost> {
  if (samples.length === 0) return {};
  const fit = (mine: readonly HostCostSample[]): HostCost => fitHostCost(mine, mine.every(copiesOverLink) ? floorNsPerByte : 0);
  const mechanisms = [...new Set(samples.map((s) => s.mechanism))].sort();
  return Object.fromEntries([
    ...mechanisms.map((m) => [m, fit(samples.filter((s) => s.mechanism === m))] as const),
    ['*', fit(samples)] as const,
  ]);
}
