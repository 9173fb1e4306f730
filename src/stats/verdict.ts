/**
 * The VALID/INVALID verdict of one job: every reason says what went wrong with the numbers that show it
 * and the next step, so a user can fix the measurement rather than guess.
 */
import type { SampleStats } from './descriptive.js';

/** Thresholds from the profile's `validity`. */
export interface ValidityRule {
  maxCvPct: number; minSamples: number; maxFreqDriftPct: number; maxTempRiseC: number;
  /**
   * Which dispersion maxCvPct bounds: "cv" (sd / mean) or "robust-cv" (IQR / (1.349 median), see
   * SampleStats.robustCvPct) or "median-ci" (half-width of the median's 95% CI in % of the median, see
   * SampleStats.medianCi95HalfPct). Default "cv". Profiles for shared machines use "robust-cv" because the
   * latency we report is the median, which preemption spikes do not move while they inflate sd / mean.
   */
  dispersion?: 'cv' | 'robust-cv' | 'median-ci';
  /** Largest share of the CPUs' time the hypervisor may steal while a job runs, % (default DEFAULT_MAX_STEAL_PCT). */
  maxStealPct?: number;
}

/**
 * Steal time (the engine's `stealPct`: the share of every CPU's time a hypervisor gave other guests while the
 * job ran) above which a job's numbers are not its own. Quiet calls on the GPU host read 0.0% for minutes;
 * the disturbed minutes of 2026-12-04 read 1.7-4.7% and gave CPU sides 3-14x their other measurement, while
 * each job's samples still agreed with each other. One 10 ms tick on 16 CPUs over a 50 ms job is 1.25%.
 */
export const DEFAULT_MAX_STEAL_PCT = 1;

/**
 * Fewer stolen ticks than this (the engine's `stealTicks`, 10 ms of one CPU each) are not taken as a
 * disturbance, whatever share of a short job they make: one or two ticks are 1-2% of a 60-100 ms job on 16
 * CPUs, and a host whose vmstat reads 0% steal still hands out one now and then. In the pocl-split call of
 * 2026-12-04 11:18 (all 16 CPUs busy) 127 of 567 jobs were refused for steal at 1.0-12.8%; by their share
 * and wall time about 35 of them held one or two ticks, the rest more (that call had real steal). With a
 * background of 0.5%, a job of 120 ticks sees three or more in about 2% of jobs; the disturbed minutes of
 * the GPU host (1.7-4.7% for minutes) give that many to most jobs of that length.
 * Lines of engines that did not report ticks are judged on the share alone.
 */
export const MIN_STEAL_TICKS = 3;

/** Whether a line's steal share (and, where the engine counted them, its ticks) says another tenant disturbed it. */
export function stolen(stealPct: number | undefined, rule: Pick<ValidityRule, 'maxStealPct'>, stealTicks?: number): boolean {
  if (stealPct === undefined || !(stealPct > (rule.maxStealPct ?? DEFAULT_MAX_STEAL_PCT))) return false;
  return stealTicks === undefined || stealTicks >= MIN_STEAL_TICKS;
}

/** Drift seen between the environment before and after the run (see src/env/). */
export interface DriftFacts { freqDriftPct?: number; tempRiseC?: number; governorChanged?: boolean }

/** The dispersion the rule bounds, in %. */
export function dispersionPct(stats: SampleStats, rule: ValidityRule): number {
  if (rule.dispersion === 'median-ci') return stats.medianCi95HalfPct;
  return rule.dispersion === 'robust-cv' ? stats.robustCvPct : stats.cvPct;
}

/** Verdict and reasons; a job is VALID when there is no reason. */
export function verdictOf(
  status: string, stats: SampleStats | undefined, rule: ValidityRule, drift: DriftFacts = {}, engineReason?: string, stealPct?: number,
  stealTicks?: number,
): { verdict: 'VALID' | 'INVALID'; reasons: string[] } {
  const reasons: string[] = [];
  if (status === 'invalid') reasons.push(`wrong result (${engineReason ?? 'check failed'}): the timing is not used; run \`coexec-engine bench\` with --save-tensors to inspect`);
  else if (status === 'error') reasons.push(`engine error: ${engineReason ?? 'no reason given'}`);
  else if (status === 'skipped') reasons.push(`skipped by the engine: ${engineReason ?? 'no reason given'}`);
  if (status === 'ok' || status === 'invalid') {
    if (!stats || stats.n < rule.minSamples) {
      reasons.push(`${stats?.n ?? 0} samples < ${rule.minSamples}: raise maxTimeMs or maxSamples so minSamples can be reached`);
    } else if (dispersionPct(stats, rule) > rule.maxCvPct) {
      const label = { cv: 'CV', 'robust-cv': 'robust CV', 'median-ci': "95% CI half-width of the median" }[rule.dispersion ?? 'cv'];
      reasons.push(`${label} ${dispersionPct(stats, rule).toFixed(1)}% > ${rule.maxCvPct}% with ${stats.n} samples: raise minSamples, close other programs or pin the clock`);
    }
  }
  if ((status === 'ok' || status === 'invalid') && stolen(stealPct, rule, stealTicks)) {
    reasons.push(`the hypervisor took ${stealPct!.toFixed(1)}% of the CPUs' time (steal${stealTicks !== undefined ? `, ${stealTicks} ticks` : ''}) while this job ran, > ${rule.maxStealPct ?? DEFAULT_MAX_STEAL_PCT}%: ` +
      'another guest\'s load on a shared host; measure it again (re-measurement rounds do) or move to a quieter host');
  }
  if (drift.freqDriftPct !== undefined && drift.freqDriftPct > rule.maxFreqDriftPct) {
    reasons.push(`CPU frequency drifted ${drift.freqDriftPct.toFixed(1)}% > ${rule.maxFreqDriftPct}% during the run: set the governor to performance and rerun`);
  }
  if (drift.tempRiseC !== undefined && drift.tempRiseC > rule.maxTempRiseC) {
    reasons.push(`temperature rose ${drift.tempRiseC.toFixed(1)} C > ${rule.maxTempRiseC} C during the run: let the device cool and rerun with --resume`);
  }
  if (drift.governorChanged) reasons.push('a CPU frequency governor changed during the run: keep the governor fixed and rerun');
  return { verdict: reasons.length === 0 ? 'VALID' : 'INVALID', reasons };
}

/**
 * True when a job's only measurement problems are ones more time can fix: the engine reported it ok (a
 * correct result) and it has too few samples (the time limit came first), a dispersion above maxCvPct, or
 * steal time above maxStealPct (a later look may find the host quiet).
 * Such a job can be measured again with more time (src/run/remeasure.ts); wrong results, errors and drift
 * cannot be measured away.
 */
export function fixableWithMoreTime(status: string, stats: SampleStats | undefined, rule: ValidityRule, stealPct?: number, stealTicks?: number): boolean {
  return status === 'ok' && stats !== undefined && stats.n > 0
    && (stats.n < rule.minSamples || dispersionPct(stats, rule) > rule.maxCvPct || stolen(stealPct, rule, stealTicks));
}
