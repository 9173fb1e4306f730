/**
 * Noise calibration: before a run measures anything, a short fixed workload is timed a few times to see
 * how much this machine's timings scatter right now. Two series, interleaved: a CPU-only linear layer
 * (a fixed size, on the platform's cores) and a bare GPU round trip (`finish`), each repeated REPETITIONS
 * times with exactly SAMPLES_PER_REPETITION samples. Per series it reports the verdict's own dispersion
 * statistic of a 40-sample job (the 95% CI half-width of the median, the robust CV, the CV; median over the
 * repetitions) and the run-to-run spread (CV of the repetitions' medians).
 *
 * The machine counts as too noisy for a profile when the median repetition of the CPU workload would
 * already fail the profile's validity rule: then most jobs need far more samples than usual, and the run
 * says so in one line at the start (noiseLine) instead of failing at the end. The estimate goes into
 * env-before.json (`noise`) and derived/summary.json (`noise`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineDriver } from '../engine/driver.js';
import { readResultLines } from '../engine/lines.js';
import type { EngineJob, EnginePlan } from '../plan/expand.js';
import { describe, mean, median, sd } from '../stats/descriptive.js';
import { dispersionPct, type ValidityRule } from '../stats/verdict.js';

/** Repetitions per series: enough for a run-to-run spread, few enough to take about a second. */
export const REPETITIONS = 5;
/** Samples per repetition: about what a job of a few ms gets within the quick profile's time limit. */
export const SAMPLES_PER_REPETITION = 40;
/** The CPU workload: BERT-base's FFN up-projection for 32 tokens, a few ms per sample, so that one repetition spans many scheduler time slices of the other programs on the machine. */
export const CPU_LAYER = { type: 'linear', M: 32, N: 3072, K: 768 } as const;

/** One repetition of a series. */
export interface NoiseRepetition { medianNs: number; medianCi95HalfPct: number; robustCvPct: number; cvPct: number; samplesNs: number[] }

/** One series (CPU workload or GPU round trip). */
export interface NoiseSeries {
  what: string;
  repetitions: NoiseRepetition[];
  /** Medians over the repetitions of each repetition's dispersion, in %. */
  medianCi95HalfPct: number; robustCvPct: number; cvPct: number;
  /** Run-to-run noise: sd / mean of the repetitions' medians, in %. */
  runToRunCvPct: number;
}

/** env-before.json's `noise`. */
export interface NoiseEstimate {
  measuredAt: string;
  samplesPerRepetition: number;
  cpu?: NoiseSeries;
  gpuRoundTrip?: NoiseSeries;
  /** The profile's rule it was judged by: the statistic validity.dispersion names and its limit. */
  dispersion: NonNullable<ValidityRule['dispersion']>;
  limitPct: number;
  /** The CPU workload's median repetition, in the rule's statistic (%). */
  observedPct?: number;
  tooNoisy: boolean;
  /** The calibration could not run (engine failure): why. The run goes on without an estimate. */
  problem?: string;
}

const ID_CPU = (r: number) => `calibration/cpu/rep:${r}`;
const ID_ROUNDTRIP = (r: number) => `calibration/roundtrip/rep:${r}`;

/**
 * The calibration plan for a device: REPETITIONS x (CPU workload, round trip), interleaved. The CPU
 * workload uses as many threads as the most the run's own jobs use (header's layer jobs), at most 4.
 */
export function calibrationPlan(header: Pick<EnginePlan, 'planId' | 'device' | 'cpuAffinity' | 'jobs'>): EnginePlan {
  const used = header.jobs.map((j) => (j.kind === 'layer' ? (j.strategy as { cpuThreads?: number }).cpuThreads ?? 1 : 1));
  const threads = Math.min(4, Math.max(1, ...used));
  const fixed = { warmup: 3, minSamples: SAMPLES_PER_REPETITION, minTimeMs: 0, maxSamples: SAMPLES_PER_REPETITION, maxTimeMs: 10_000, seed: 1 };
  const jobs: EngineJob[] = [];
  for (let r = 1; r <= REPETITIONS; r++) {
    jobs.push({
      id: ID_CPU(r), kind: 'layer', layer: { ...CPU_LAYER },
      strategy: { splitRatio: 1, granularity: 1, cpuThreads: threads, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync: 'finish' }, ...fixed,
    });
    jobs.push({ id: ID_ROUNDTRIP(r), kind: 'roundtrip', strategy: { sync: 'finish' }, ...fixed });
  }
  return { schemaVersion: 1, planId: `${header.planId}-calibration`, device: header.device, cpuAffinity: header.cpuAffinity, jobs };
}

/** A series from its repetitions' samples; undefined without any. */
export function seriesOf(what: string, samples: number[][]): NoiseSeries | undefined {
  const reps = samples.filter((s) => s.length > 0).map((s): NoiseRepetition => {
    const st = describe(s)!;
    return { medianNs: st.medianNs, medianCi95HalfPct: st.medianCi95HalfPct, robustCvPct: st.robustCvPct, cvPct: st.cvPct, samplesNs: s };
  });
  if (reps.length === 0) return undefined;
  const medians = reps.map((r) => r.medianNs);
  return {
    what, repetitions: reps,
    medianCi95HalfPct: median(reps.map((r) => r.medianCi95HalfPct)), robustCvPct: median(reps.map((r) => r.robustCvPct)), cvPct: median(reps.map((r) => r.cvPct)),
    runToRunCvPct: reps.length > 1 ? (100 * sd(medians)) / mean(medians) : 0,
  };
}

/** Judges the series against the profile's rule (see the file comment). */
export function judgeNoise(cpu: NoiseSeries | undefined, gpuRoundTrip: NoiseSeries | undefined, rule: ValidityRule, measuredAt: string, samplesPerRepetition = SAMPLES_PER_REPETITION): NoiseEstimate {
  const dispersion = rule.dispersion ?? 'cv';
  const statOf = (s: NoiseSeries) => dispersionPct({ cvPct: s.cvPct, robustCvPct: s.robustCvPct, medianCi95HalfPct: s.medianCi95HalfPct } as Parameters<typeof dispersionPct>[0], rule);
  const observedPct = cpu ? statOf(cpu) : undefined;
  return {
    measuredAt, samplesPerRepetition, ...(cpu ? { cpu } : {}), ...(gpuRoundTrip ? { gpuRoundTrip } : {}),
    dispersion, limitPct: rule.maxCvPct, ...(observedPct !== undefined ? { observedPct } : {}),
    tooNoisy: observedPct !== undefined && observedPct > rule.maxCvPct,
  };
}

/** Runs the calibration plan through the driver and judges it; an engine failure becomes `problem`. */
export async function measureNoise(driver: EngineDriver, header: Pick<EnginePlan, 'planId' | 'device' | 'cpuAffinity' | 'jobs'>, rule: ValidityRule, now: () => Date = () => new Date()): Promise<NoiseEstimate> {
  const measuredAt = now().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'coexec-noise-'));
  try {
    const plan = calibrationPlan(header);
    const planPath = join(dir, 'plan.json');
    const resultsPath = join(dir, 'results.jsonl');
    writeFileSync(planPath, JSON.stringify(plan));
    writeFileSync(resultsPath, '');
    const outcome = await driver.run({ planPath, resultsPath });
    const lines = readResultLines(resultsPath).lines.filter((l) => l.status === 'ok');
    const samplesOf = (id: (r: number) => string) => Array.from({ length: REPETITIONS }, (_, i) => lines.find((l) => l.jobId === id(i + 1))?.samplesNs ?? []);
    const threads = (plan.jobs[0]!.strategy as { cpuThreads: number }).cpuThreads;
    const cpu = seriesOf(`linear M=${CPU_LAYER.M} N=${CPU_LAYER.N} K=${CPU_LAYER.K}, CPU only, ${threads} thread${threads > 1 ? 's' : ''}`, samplesOf(ID_CPU));
    const gpu = seriesOf('GPU round trip, sync finish', samplesOf(ID_ROUNDTRIP));
    const estimate = judgeNoise(cpu, gpu, rule, measuredAt);
    if (outcome.exitCode !== 0 || !cpu) estimate.problem = `calibration run ended with exit ${outcome.exitCode}${cpu ? '' : ', no CPU sample'}${outcome.stderrTail ? `: ${outcome.stderrTail.trim().split('\n').at(-1)}` : ''}`;
    return estimate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${x.toFixed(1)}%`;
const STAT_LABEL = { 'median-ci': 'median CI +-', 'robust-cv': 'robust CV ', cv: 'CV ' } as const;

/** The progress line: what was measured and, when too noisy, what to do (one line either way). */
export function noiseLine(n: NoiseEstimate, profile: string): string {
  if (n.problem) return `noise: not estimated (${n.problem}); measuring on`;
  const label = STAT_LABEL[n.dispersion];
  const cpu = n.cpu ? `CPU workload ${label}${pct(n.observedPct ?? 0)} per ${n.samplesPerRepetition}-sample job, run-to-run ${pct(n.cpu.runToRunCvPct)}` : 'no CPU workload';
  const gpu = n.gpuRoundTrip ? `; GPU round trip median CI +-${pct(n.gpuRoundTrip.medianCi95HalfPct)}, run-to-run ${pct(n.gpuRoundTrip.runToRunCvPct)}` : '';
  if (!n.tooNoisy) return `noise: ${cpu}${gpu} (profile ${profile} allows ${pct(n.limitPct)})`;
  return `noise: this machine is too noisy for profile ${profile} (CPU workload ${label}${pct(n.observedPct ?? 0)} > ${pct(n.limitPct)} allowed): ` +
    'close other programs, use a profile with a looser validity.maxCvPct, or give noisy jobs more time (measurement.remeasure.maxExtraS); measuring on';
}
