/**
 * The co-execution bound with a fixed cost per side. The linear bound (metrics.idealSpeedup) assumes each
 * side's time shrinks in proportion to its share, so a side whose time is mostly a fixed cost per execution
 * (NVIDIA's enqueue calls, ~25 us; PoCL's kernel launch, ~35 us) gets a bound that no split can reach. Here
 * each side's time alone is the line T(s) = F + (T_single - F) * s through its fixed cost F at share 0 and
 * its measured best single-side time at share 1, and the bound is the best split r of
 * max(T_cpu(r), T_gpu(1 - r)), or a single side when that is faster. Like the linear bound (F = 0) it leaves
 * out what co-execution itself costs: sync, and contention between the two sides.
 *
 * F comes from the run's own measurements of the side alone, per setting (CPU threads and implementation;
 * GPU variant, work-group and sync): the profile phase's slices of the layer (the layer with its output
 * dimension cut to the slice's rows) and the layer's CPU-only and GPU-only jobs (share 1), fitted as
 * fixed + perShare * share; F is the lowest fixed cost among the settings. Each setting is fitted on its
 * own because the profile draws one or two settings per share: a per-share minimum over settings would mix
 * a fast variant at one share with a slow one at the next. The side times inside co-executed jobs are not
 * used: they include the contention between the sides (on gpu-host 2026-11-26 conv, GPU slices took 490 us
 * inside co-execution where the whole layer took 137 us alone), which is part of what efficiency measures.
 */
import { isValidLayerJob } from '../predict/dataset.js';
import { inPhase, layerId, outDim, withOutDim } from './layers.js';
import type { JobStats, Layer } from './types.js';

/** One side alone at one share of the layer's output (share in (0, 1]) with one setting. */
export interface SharePoint {
  share: number;
  ns: number;
  setting: string;
}

/** time(share) = fixedNs + perShareNs * share, fitted on `points` distinct shares. */
export interface AffineFit {
  fixedNs: number;
  perShareNs: number;
  points: number;
}

/** One side's line as a layer row reports it (us): the fixed cost, the setting whose fit gave it, and that fit's shares. */
export interface SideFit {
  setting: string;
  fixedUs: number;
  perShareUs: number;
  points: number;
}

/** The affine bound of one layer: its latency, the split that reaches it, and the fits that set it. */
export interface AffineBound {
  /** CPU share of the bound's split; 0 or 1 when a single side is the bound. */
  splitRatio: number;
  latencyMs: number;
  cpu: SideFit;
  gpu: SideFit;
}

/**
 * Least-squares fit of ns = fixed + perShare * share on the fastest time at each share; undefined with
 * fewer than two shares. A negative fixed cost or slope is noise, not physics: the fit is then refitted with
 * that term at zero (through the origin, or constant).
 */
export function fitAffine(points: readonly Pick<SharePoint, 'share' | 'ns'>[]): AffineFit | undefined {
  const best = new Map<number, number>();
  for (const p of points) {
    if (!(p.share > 0 && p.share <= 1) || !(p.ns > 0)) continue;
    const k = Math.round(p.share * 1e6) / 1e6;
    best.set(k, Math.min(best.get(k) ?? Infinity, p.ns));
  }
  if (best.size < 2) return undefined;
  const xs = [...best.keys()];
  const ys = [...best.values()];
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  if (slope < 0) return { fixedNs: my, perShareNs: 0, points: n };
  const fixed = my - slope * mx;
  if (fixed < 0) {
    const through = xs.reduce((s, x, i) => s + x * ys[i]!, 0) / xs.reduce((s, x) => s + x * x, 0);
    return { fixedNs: 0, perShareNs: through, points: n };
  }
  return { fixedNs: fixed, perShareNs: slope, points: n };
}

/** One fit per setting that has at least two shares. */
export function fitsPerSetting(points: readonly SharePoint[]): Map<string, AffineFit> {
  const bySetting = new Map<string, SharePoint[]>();
  for (const p of points) bySetting.set(p.setting, [...(bySetting.get(p.setting) ?? []), p]);
  const out = new Map<string, AffineFit>();
  for (const [setting, pts] of bySetting) {
    const fit = fitAffine(pts);
    if (fit) out.set(setting, fit);
  }
  return out;
}

/** One side's line: time(share) = fixedNs + perShareNs * share. */
export interface SideLine {
  fixedNs: number;
  perShareNs: number;
}

/**
 * The bound's latency and split (ns) from the two sides' lines and the measured single sides: the split r
 * (CPU share) where the rising CPU line meets the falling GPU line, or a single side when it is faster.
 */
export function affineBoundLatency(cpuOnlyNs: number, gpuOnlyNs: number, cpu: SideLine, gpu: SideLine): { splitRatio: number; latencyNs: number } {
  const single = cpuOnlyNs <= gpuOnlyNs ? { splitRatio: 1, latencyNs: cpuOnlyNs } : { splitRatio: 0, latencyNs: gpuOnlyNs };
  const slopes = cpu.perShareNs + gpu.perShareNs;
  if (!(slopes > 0)) return single;
  const r = Math.min(1, Math.max(0, (gpu.fixedNs + gpu.perShareNs - cpu.fixedNs) / slopes));
  const t = Math.max(cpu.fixedNs + cpu.perShareNs * r, gpu.fixedNs + gpu.perShareNs * (1 - r));
  return t < single.latencyNs ? { splitRatio: r, latencyNs: t } : single;
}

/**
 * A side's line through its measured single-side time at share 1 and its fixed cost at share 0: the lowest
 * intercept among its settings' fits, at most the single-side time. Anchoring at the best single side and
 * taking the lowest fixed cost keeps the bound optimistic, as a bound must be, where the profile measured
 * other settings than the best one (it measures the GPU with one sync mechanism only).
 */
export function sideLine(fits: Map<string, AffineFit>, singleNs: number): SideLine & { setting: string; points: number } {
  let best: { setting: string; fit: AffineFit } | undefined;
  for (const [setting, fit] of fits) if (!best || fit.fixedNs < best.fit.fixedNs) best = { setting, fit };
  const fixedNs = Math.min(best!.fit.fixedNs, singleNs);
  return { fixedNs, perShareNs: singleNs - fixedNs, setting: best!.setting, points: best!.fit.points };
}

/** The setting of a single-side job, for grouping its points. */
function settingOf(j: JobStats, side: 'cpu' | 'gpu'): string {
  const s = j.strategy;
  return side === 'cpu' ? `t${s.cpuThreads}/${s.cpuImpl}` : `${s.gpuVariant}/wg${s.gpuWorkGroup}/${s.sync}`;
}

/** Which side a VALID job ran alone, or undefined for a co-executed job. */
function aloneSide(j: JobStats): 'cpu' | 'gpu' | undefined {
  if (j.role === 'cpu-slice') return 'cpu';
  if (j.role === 'gpu-slice') return 'gpu';
  if (j.strategy.splitRatio >= 1) return 'cpu';
  if (j.strategy.splitRatio <= 0) return 'gpu';
  return undefined;
}

/** Each side's alone points for every layer (by layer id), from the run's VALID layer jobs. */
export function sidePointsByLayer(jobs: readonly JobStats[], layers: readonly Layer[]): Map<string, { cpu: SharePoint[]; gpu: SharePoint[] }> {
  const out = new Map<string, { cpu: SharePoint[]; gpu: SharePoint[] }>();
  const full = new Map(layers.map((l) => [layerId(l), l]));
  for (const id of full.keys()) out.set(id, { cpu: [], gpu: [] });
  for (const j of jobs) {
    if (!isValidLayerJob(j) || !(inPhase(j, 'profile') || inPhase(j, 'grid') || inPhase(j, 'confirm'))) continue;
    const side = aloneSide(j);
    if (!side) continue;
    const point = (share: number): SharePoint => ({ share, ns: j.stats!.medianNs, setting: settingOf(j, side) });
    const own = layerId(j.layer);
    out.get(own)?.[side].push(point(1));
    // A profile slice is a share of every run layer it is the cut of (the same layer with fewer output rows).
    if (!inPhase(j, 'profile')) continue;
    for (const [id, layer] of full) {
      if (id === own || outDim(j.layer) > outDim(layer) || layerId(withOutDim(j.layer, outDim(layer))) !== id) continue;
      out.get(id)![side].push(point(outDim(j.layer) / outDim(layer)));
    }
  }
  return out;
}

/**
 * The affine bound of a layer from its alone points and measured single sides (ms), or undefined when a
 * side has no setting measured at two shares.
 */
export function affineBound(points: { cpu: SharePoint[]; gpu: SharePoint[] } | undefined, cpuOnlyMs: number, gpuOnlyMs: number): AffineBound | undefined {
  if (!points) return undefined;
  const cpuFits = fitsPerSetting(points.cpu);
  const gpuFits = fitsPerSetting(points.gpu);
  if (cpuFits.size === 0 || gpuFits.size === 0) return undefined;
  const cpu = sideLine(cpuFits, cpuOnlyMs * 1e6);
  const gpu = sideLine(gpuFits, gpuOnlyMs * 1e6);
  const b = affineBoundLatency(cpuOnlyMs * 1e6, gpuOnlyMs * 1e6, cpu, gpu);
  const report = (l: ReturnType<typeof sideLine>): SideFit => ({ setting: l.setting, fixedUs: l.fixedNs / 1e3, perShareUs: l.perShareNs / 1e3, points: l.points });
  return { splitRatio: b.splitRatio, latencyMs: b.latencyNs / 1e6, cpu: report(cpu), gpu: report(gpu) };
}
