/**
 * The VALID/INVALID verdict of one job: every reason says what went wrong with the numbers that show it
 * and the next step, so a user can fix the measurement rather than guess.
 */
import type { SampleStats } from './descriptive.js';

/** Thresholds from the profile's `validity`. */
export interface ValidityRule { maxCvPct: number; minSamples: number; maxFreqDriftPct: number; maxTempRiseC: number }

/** Drift seen between the environment before and after the run (see src/env/). */
export interface DriftFacts { freqDriftPct?: number; tempRiseC?: number; governorChanged?: boolean }

/** Verdict and reasons; a job is VALID when there is no reason. */
export function verdictOf(
  status: string, stats: SampleStats | undefined, rule: ValidityRule, drift: DriftFacts = {}, engineReason?: string,
): { verdict: 'VALID' | 'INVALID'; reasons: string[] } {
  const reasons: string[] = [];
  if (status === 'invalid') reasons.push(`wrong result (${engineReason ?? 'check failed'}): the timing is not used; run \`coexec-engine bench\` with --save-tensors to inspect`);
  else if (status === 'error') reasons.push(`engine error: ${engineReason ?? 'no reason given'}`);
  else if (status === 'skipped') reasons.push(`skipped by the engine: ${engineReason ?? 'no reason given'}`);
  if (status === 'ok' || status === 'invalid') {
    if (!stats || stats.n < rule.minSamples) {
      reasons.push(`${stats?.n ?? 0} samples < ${rule.minSamples}: raise maxTimeMs or maxSamples so minSamples can be reached`);
    } else if (stats.cvPct > rule.maxCvPct) {
      reasons.push(`CV ${stats.cvPct.toFixed(1)}% > ${rule.maxCvPct}% with ${stats.n} samples: raise minSamples, close other programs or pin the clock`);
    }
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
