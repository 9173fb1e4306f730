/**
 * Noise calibration: before a run measures anything, a short fixed workload is timed a few times to see
 * how much this machine's timings scatter right now. Two series, interleaved: a CPU-only linear layer
 * (a fixed size, on the platform's cores) and a bare GPU round trip (`finish`), each repeated REPETITIONS
 * times with exactly SAMPLES_PER_REPETITION samples. Per series it reports the verdict's own dispersion
 * statistic of a 40-sample job (the 95% CI half-width of the median, the robust CV, the CV; median over the
 * repetitions) and the run-to-run spread (CV of the repetitions' medians).
 *
 * A 40-sample job is not what the profile's jobs see: its stopping rule samples on (up to maxSamples or
 * maxTimeMs) until the median's CI is narrow enough, so judging the calibration's 40-sample statistic
 * against the limit cries wolf on a machine where the jobs pass. Instead the verdict predicts the rule's
 * statistic at the sample count the profile gives a job: the per-sample dispersion is pooled over the
 * repetitions (each sample over its repetition's median, so a shift between repetitions does not count),
 * and the statistic is read off that distribution at the job's sample count (expectedDispersionPct). The
 * job is one as long as the CPU workload (a few ms, where most of the plans' jobs lie): it gets
 * min(maxSamples, maxTimeMs / its median) samples (typicalSamples). The machine counts as too noisy when
 * even that job is expected to miss the limit; then the run says so in one line at the start (noiseLine)
 * instead of failing at the end. The line also names the samples a job needs and so the longest job that
 * gets them within maxTimeMs. The estimate goes into env-before.json (`noise`) and derived/summary.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineDriver } from '../engine/driver.js';
import { readResultLines } from '../engine/lines.js';
import type { EngineJob, EnginePlan } from '../plan/expand.js';
import { describe, mean, median, medianCiRanks, quantileSorted, sd, sortedCopy } from '../stats/descriptive.js';
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
  /** The CPU workload's median repetition, in the rule's statistic (%), at samplesPerRepetition samples. */
  observedPct?: number;
  /** The samples the profile gives a job as long as the CPU workload (typicalSamples); absent without the profile's limits. */
  typicalSamples?: number;
  /** The rule's statistic expected at typicalSamples samples (%); tooNoisy compares it with limitPct. */
  predictedPct?: number;
  /** Samples a job needs for the statistic to be expected within the limit (at least validity.minSamples); absent when no count reaches it (a CV does not shrink with samples). */
  samplesNeeded?: number;
  /** The longest per-sample time at which a job still gets samplesNeeded samples within maxTimeMs (ms); absent when maxSamples is below samplesNeeded. */
  longestJobMs?: number;
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

/** The profile's limits on a job's samples (its `measurement`). */
export interface SampleLimits { maxSamples: number; maxTimeMs: number }

/** The samples a job of `medianNs` per sample gets at most: the first of maxSamples and maxTimeMs (at least 1). */
export function typicalSamples(limits: SampleLimits, medianNs: number): number {
  const byTime = medianNs > 0 ? Math.floor((limits.maxTimeMs * 1e6) / medianNs) : limits.maxSamples;
  return Math.max(1, Math.min(limits.maxSamples, byTime));
}

/** Every repetition's samples over that repetition's median, pooled and sorted: the per-sample dispersion. */
export function pooledRatios(series: NoiseSeries): number[] {
  return sortedCopy(series.repetitions.flatMap((r) => (r.medianNs > 0 ? r.samplesNs.map((x) => x / r.medianNs) : [])));
}

/**
 * The rule's statistic expected for a job of n samples drawn from the pooled ratios (sorted). For
 * median-ci: the order statistics the CI uses (ranks n/2 -+ 0.98 sqrt(n), as descriptive.ts's
 * medianCi95HalfPct) sit near the quantiles rank / (n + 1), read off the pooled distribution. CV and
 * robust CV estimate a property of the distribution, not of n: the pooled value.
 */
export function expectedDispersionPct(ratios: readonly number[], n: number, dispersion: NoiseEstimate['dispersion']): number {
  if (ratios.length === 0) return NaN;
  if (dispersion !== 'median-ci') {
    const st = describe(ratios)!;
    return dispersion === 'robust-cv' ? st.robustCvPct : st.cvPct;
  }
  const [low, high] = medianCiRanks(n);
  const at = (rank: number) => quantileSorted(ratios, rank / (n + 1));
  const med = quantileSorted(ratios, 0.5);
  return med > 0 ? (100 * (at(high) - at(low))) / (2 * med) : 0;
}

/** Most samples searched for samplesNeeded: far beyond any profile's maxSamples. */
const MAX_SAMPLES_SEARCHED = 100_000;

/** The fewest samples at which the statistic is expected within limitPct; undefined when none up to MAX_SAMPLES_SEARCHED. */
export function samplesNeeded(ratios: readonly number[], limitPct: number, dispersion: NoiseEstimate['dispersion']): number | undefined {
  if (dispersion !== 'median-ci') return expectedDispersionPct(ratios, 1, dispersion) <= limitPct ? 1 : undefined;
  // The expected half-width falls like 1/sqrt(n) but not strictly (ranks are whole): double, then step.
  let hi = 2;
  while (hi <= MAX_SAMPLES_SEARCHED && expectedDispersionPct(ratios, hi, dispersion) > limitPct) hi *= 2;
  if (hi > MAX_SAMPLES_SEARCHED) return undefined;
  for (let n = Math.max(2, Math.floor(hi / 2)); n <= hi; n++) if (expectedDispersionPct(ratios, n, dispersion) <= limitPct) return n;
  return hi;
}

/**
 * Judges the series against the profile's rule (see the file comment). Without `limits` (the profile's
 * measurement) it judges the 40-sample statistic itself, as the first calibration did.
 */
export function judgeNoise(cpu: NoiseSeries | undefined, gpuRoundTrip: NoiseSeries | undefined, rule: ValidityRule, measuredAt: string, limits?: SampleLimits, samplesPerRepetition = SAMPLES_PER_REPETITION): NoiseEstimate {
  const dispersion = rule.dispersion ?? 'cv';
  const statOf = (s: NoiseSeries) => dispersionPct({ cvPct: s.cvPct, robustCvPct: s.robustCvPct, medianCi95HalfPct: s.medianCi95HalfPct } as Parameters<typeof dispersionPct>[0], rule);
  const observedPct = cpu ? statOf(cpu) : undefined;
  let prediction: Pick<NoiseEstimate, 'typicalSamples' | 'predictedPct' | 'samplesNeeded' | 'longestJobMs'> = {};
  if (cpu && limits) {
    const ratios = pooledRatios(cpu);
    const n = typicalSamples(limits, median(cpu.repetitions.map((r) => r.medianNs)));
    // The rule also asks for validity.minSamples, whatever the dispersion.
    const dispersionNeeds = samplesNeeded(ratios, rule.maxCvPct, dispersion);
    const needed = dispersionNeeds === undefined ? undefined : Math.max(dispersionNeeds, rule.minSamples);
    prediction = {
      typicalSamples: n, predictedPct: expectedDispersionPct(ratios, n, dispersion),
      ...(needed !== undefined ? { samplesNeeded: needed } : {}),
      ...(needed !== undefined && needed <= limits.maxSamples ? { longestJobMs: limits.maxTimeMs / needed } : {}),
    };
  }
  const judged = prediction.predictedPct ?? observedPct;
  return {
    measuredAt, samplesPerRepetition, ...(cpu ? { cpu } : {}), ...(gpuRoundTrip ? { gpuRoundTrip } : {}),
    dispersion, limitPct: rule.maxCvPct, ...(observedPct !== undefined ? { observedPct } : {}), ...prediction,
    tooNoisy: judged !== undefined && judged > rule.maxCvPct,
  };
}

/** Runs the calibration plan through the driver and judges it; an engine failure becomes `problem`. */
export async function measureNoise(driver: EngineDriver, header: Pick<EnginePlan, 'planId' | 'device' | 'cpuAffinity' | 'jobs'>, rule: ValidityRule, limits?: SampleLimits, now: () => Date = () => new Date()): Promise<NoiseEstimate> {
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
    const estimate = judgeNoise(cpu, gpu, rule, measuredAt, limits);
    if (outcome.exitCode !== 0 || !cpu) estimate.problem = `calibration run ended with exit ${outcome.exitCode}${cpu ? '' : ', no CPU sample'}${outcome.stderrTail ? `: ${outcome.stderrTail.trim().split('\n').at(-1)}` : ''}`;
    return estimate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${x.toFixed(1)}%`;
const STAT_LABEL = { 'median-ci': 'median CI +-', 'robust-cv': 'robust CV ', cv: 'CV ' } as const;

/** What the prediction says, for the line: "+-1.2% expected at the 600 samples a job of its length gets; a job needs 25 (up to 80 ms per sample)". */
function predictionText(n: NoiseEstimate, label: string): string {
  if (n.predictedPct === undefined || n.typicalSamples === undefined) return '';
  const needs = n.samplesNeeded === undefined ? 'no sample count brings it within the limit'
    : `a job needs ${n.samplesNeeded} samples${n.longestJobMs !== undefined ? ` (within maxTimeMs up to ${Number(n.longestJobMs.toPrecision(2))} ms per sample)` : ', more than maxSamples'}`;
  return `${label}${pct(n.predictedPct)} expected at the ${n.typicalSamples} samples a job of its length gets; ${needs}`;
}

/** The progress line: what was measured and, when too noisy, what to do (one line either way). */
export function noiseLine(n: NoiseEstimate, profile: string): string {
  if (n.problem) return `noise: not estimated (${n.problem}); measuring on`;
  const label = STAT_LABEL[n.dispersion];
  const predicted = predictionText(n, label);
  const cpu = n.cpu ? `CPU workload ${label}${pct(n.observedPct ?? 0)} per ${n.samplesPerRepetition}-sample job${predicted ? `, ${predicted}` : ''}, run-to-run ${pct(n.cpu.runToRunCvPct)}` : 'no CPU workload';
  const gpu = n.gpuRoundTrip ? `; GPU round trip median CI +-${pct(n.gpuRoundTrip.medianCi95HalfPct)}, run-to-run ${pct(n.gpuRoundTrip.runToRunCvPct)}` : '';
  if (!n.tooNoisy) return `noise: ${cpu}${gpu} (profile ${profile} allows ${pct(n.limitPct)})`;
  const why = predicted ? `CPU workload ${predicted}; ${pct(n.limitPct)} allowed` : `CPU workload ${label}${pct(n.observedPct ?? 0)} > ${pct(n.limitPct)} allowed`;
  return `noise: this machine is too noisy for profile ${profile} (${why}): ` +
    'close other programs, use a profile with a looser validity.maxCvPct, or give noisy jobs more time (measurement.remeasure.maxExtraS); measuring on';
}
