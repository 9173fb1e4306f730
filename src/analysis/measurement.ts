/**
 * summary.json's `measurement`: how the run measured, for the report beside the claims: the noise
 * estimate taken before measuring (env-before.json `noise`, src/env/noise.ts, without the raw samples)
 * and what re-measurement did (jobs.json rows with `attempts`, src/run/remeasure.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NoiseEstimate, NoiseSeries } from '../env/noise.js';
import { invalidCauses } from '../stats/invalid-causes.js';

/** The noise estimate without the samples. */
export function noiseDigest(noise: NoiseEstimate): Record<string, unknown> {
  const series = (s: NoiseSeries | undefined) => s && {
    what: s.what, repetitions: s.repetitions.length, medianNs: s.repetitions.map((r) => r.medianNs),
    medianCi95HalfPct: s.medianCi95HalfPct, robustCvPct: s.robustCvPct, cvPct: s.cvPct, runToRunCvPct: s.runToRunCvPct,
  };
  return {
    measuredAt: noise.measuredAt, samplesPerRepetition: noise.samplesPerRepetition, dispersion: noise.dispersion, limitPct: noise.limitPct,
    ...(noise.observedPct !== undefined ? { observedPct: noise.observedPct } : {}),
    ...Object.fromEntries((['typicalSamples', 'predictedPct', 'samplesNeeded', 'longestJobMs'] as const).flatMap((k) => (noise[k] !== undefined ? [[k, noise[k]]] : []))),
    tooNoisy: noise.tooNoisy,
    ...(noise.cpu ? { cpu: series(noise.cpu) } : {}), ...(noise.gpuRoundTrip ? { gpuRoundTrip: series(noise.gpuRoundTrip) } : {}),
    ...(noise.problem ? { problem: noise.problem } : {}),
  };
}

/** The `measurement` object of summary.json, or undefined for a run with neither a noise estimate nor re-measured jobs. */
export function measurementSummary(
  runDir: string, jobs: { rows: readonly { kind: string; status: string; verdict: string; attempts?: number; reasons?: readonly string[] }[] },
): Record<string, unknown> | undefined {
  const envPath = join(runDir, 'env-before.json');
  const noise = existsSync(envPath) ? (JSON.parse(readFileSync(envPath, 'utf8')) as { noise?: NoiseEstimate }).noise : undefined;
  const again = jobs.rows.filter((r) => typeof r.attempts === 'number' && r.attempts > 1);
  const layerRows = jobs.rows.filter((r) => r.kind === 'layer' && r.status !== 'skipped');
  if (!noise && again.length === 0) return undefined;
  const causes = invalidCauses(layerRows);
  return {
    ...(noise ? { noise: noiseDigest(noise) } : {}),
    remeasured: {
      jobs: again.length,
      validNow: again.filter((r) => r.verdict === 'VALID').length,
      maxAttempts: again.reduce((m, r) => Math.max(m, r.attempts as number), 1),
    },
    validShare: layerRows.length > 0 ? layerRows.filter((r) => r.verdict === 'VALID').length / layerRows.length : null,
    // Why the others were INVALID (src/stats/invalid-causes.ts), as `validate` counts them: the way out differs.
    ...(causes.invalid > 0 ? { invalidCauses: causes.counts.map(({ label, jobs: n }) => ({ cause: label, jobs: n })), invalidWayOut: causes.wayOut } : {}),
  };
}
