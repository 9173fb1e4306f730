/**
 * sync-overhead.json: for every co-executed VALID layer job of the sync experiments, overhead = co-executed
 * latency - the slower side alone. "Alone" is measured: a CPU-only job of the CPU slice's shape (output
 * dimension = CPU rows, same threads and implementation) and a GPU-only job of the GPU slice's shape (same
 * variant, work-group and mechanism), from any phase but confirm. Without those, the co-executed job's own
 * sides stand in and the row says 'in-run': its CPU side, and its GPU side as the device saw it (dispatch +
 * kernel from the profiling timestamps; the host-observed GPU time would already contain the wait being measured).
 */
import { isValidLayerJob, jobCpuRows, jobGpuRows, roundTripByMechanism, type LayerJob } from '../predict/dataset.js';
import { layerId, outDim, withOutDim } from './layers.js';
import { median } from './metrics.js';
import type { JobStats, SyncOverheadRow } from './types.js';

function aloneKey(side: 'cpu' | 'gpu', j: LayerJob, rows: number): string {
  const shape = layerId(withOutDim(j.layer, rows));
  const s = j.strategy;
  return side === 'cpu' ? `cpu|${shape}|${s.cpuThreads}|${s.cpuImpl}` : `gpu|${shape}|${s.gpuVariant}|${s.gpuWorkGroup}|${s.sync}`;
}

/**
 * Rows for co-executed jobs of `experiments`. A mechanism without a VALID round trip keeps its rows (the
 * overhead is measured from layer jobs alone) with roundTripUs null, and is returned in noRoundTrip.
 */
export function syncOverheadRows(jobs: readonly JobStats[], experiments: ReadonlySet<string>): { rows: SyncOverheadRow[]; noRoundTrip: string[] } {
  const valid = jobs.filter(isValidLayerJob).filter((j) => !(j.phase === 'confirm' && (j.phases ?? ['confirm']).every((p) => p === 'confirm')));
  const alone = new Map<string, number[]>();
  for (const j of valid) {
    const c = jobCpuRows(j);
    const g = jobGpuRows(j);
    const key = g === 0 ? aloneKey('cpu', j, c) : c === 0 ? aloneKey('gpu', j, g) : undefined;
    if (key) alone.set(key, [...(alone.get(key) ?? []), j.stats!.medianNs]);
  }
  const roundTrip = roundTripByMechanism(jobs);
  const rows: SyncOverheadRow[] = [];
  const noRoundTrip = new Set<string>();
  for (const j of valid) {
    if (!experiments.has(j.experiment)) continue;
    const c = jobCpuRows(j);
    const g = jobGpuRows(j);
    if (c === 0 || g === 0) continue;
    const rt = roundTrip[j.strategy.sync];
    if (rt === undefined) noRoundTrip.add(j.strategy.sync);
    const cpuAlone = alone.get(aloneKey('cpu', j, c));
    const gpuAlone = alone.get(aloneKey('gpu', j, g));
    const measuredAlone = cpuAlone && gpuAlone;
    const slowerNs = measuredAlone
      ? Math.max(median(cpuAlone), median(gpuAlone))
      : Math.max(j.cpuSideMedianNs ?? 0, j.gpuKernelMedianNs !== undefined
        ? j.gpuKernelMedianNs + (j.gpuDispatchMedianNs ?? 0)
        : j.gpuSideMedianNs ?? 0);
    const coexecNs = j.stats!.medianNs;
    rows.push({
      mechanism: j.strategy.sync, layerId: layerId(j.layer), outputSize: outDim(j.layer),
      roundTripUs: rt === undefined ? null : rt / 1e3, coexecMs: coexecNs / 1e6, slowerSideMs: slowerNs / 1e6, overheadUs: (coexecNs - slowerNs) / 1e3,
      slowerSideSource: measuredAlone ? 'single-side-jobs' : 'in-run',
      ...(j.breakdownMedianNs ? { breakdownUs: Object.fromEntries(Object.entries(j.breakdownMedianNs).map(([k, v]) => [k, (v ?? 0) / 1e3])) } : {}),
    });
  }
  rows.sort((a, b) => a.mechanism.localeCompare(b.mechanism) || a.layerId.localeCompare(b.layerId));
  return { rows, noRoundTrip: [...noRoundTrip].sort() };
}

/** Per mechanism: median overhead (us) and round trip (us); and svm-fine's overhead over finish's on the layers both have. */
export function syncSummary(rows: readonly SyncOverheadRow[]): Record<string, unknown> {
  const mechanisms = [...new Set(rows.map((r) => r.mechanism))].sort();
  const perMechanism = Object.fromEntries(mechanisms.map((m) => {
    const mine = rows.filter((r) => r.mechanism === m);
    const roundTripUs = mine.find((r) => r.roundTripUs !== null)?.roundTripUs ?? null;
    return [m, { medianOverheadUs: median(mine.map((r) => r.overheadUs)), roundTripUs, n: mine.length }];
  }));
  const out: Record<string, unknown> = { perMechanism };
  const fine = rows.filter((r) => r.mechanism === 'svm-fine');
  const finish = rows.filter((r) => r.mechanism === 'finish');
  const common = [...new Set(fine.map((r) => r.layerId))].filter((id) => finish.some((r) => r.layerId === id));
  if (common.length > 0) {
    const med = (rs: readonly SyncOverheadRow[]): number => median(rs.filter((r) => common.includes(r.layerId)).map((r) => r.overheadUs));
    const f = med(finish);
    // A ratio of overheads is meaningful only when finish's overhead is a cost; the absolute values stay in perMechanism.
    if (f > 0) out.svmFineOverFinishOverhead = Math.max(0, med(fine)) / f;
  }
  return out;
}
