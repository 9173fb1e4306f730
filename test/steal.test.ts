/** Steal time: a job measured while the hypervisor gave the CPUs to another guest is not VALID, is measured again, and its replicates from a quiet moment win. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describe } from '../src/stats/descriptive.js';
import { DEFAULT_MAX_STEAL_PCT, MIN_STEAL_TICKS, fixableWithMoreTime, verdictOf } from '../src/stats/verdict.js';
import { poolReplicates } from '../src/run/jobs.js';
import { ResultLine as ResultLineSchema, schemaError } from '../src/results-schema/index.js';
import type { ResultLine } from '../src/engine/lines.js';

const rule = { maxCvPct: 10, minSamples: 5, maxFreqDriftPct: 5, maxTempRiseC: 10 };
const steady = describe([100, 101, 99, 100, 100]);

test('steal above the bound makes an otherwise steady job INVALID, with the share and the next step', () => {
  assert.is(DEFAULT_MAX_STEAL_PCT, 1);
  assert.equal(verdictOf('ok', steady, rule, {}, undefined, 0), { verdict: 'VALID', reasons: [] });
  assert.equal(verdictOf('ok', steady, rule, {}, undefined, 1), { verdict: 'VALID', reasons: [] }, 'the bound itself passes');
  assert.equal(verdictOf('ok', steady, rule).verdict, 'VALID', 'engines before stealPct: no verdict change');
  const v = verdictOf('ok', steady, rule, {}, undefined, 3.75);
  assert.is(v.verdict, 'INVALID');
  assert.is(v.reasons.length, 1);
  assert.match(v.reasons[0]!, /hypervisor took 3\.8% of the CPUs' time \(steal\).*> 1%.*measure it again/);
  assert.is(verdictOf('ok', steady, { ...rule, maxStealPct: 5 }, {}, undefined, 3.75).verdict, 'VALID', 'a profile may allow more');
  assert.is(verdictOf('skipped', undefined, rule, {}, 'no GPU', 50).reasons.length, 1, 'a skipped job is not blamed on steal');
});

test('a share made of one or two stolen ticks is no disturbance; three or more are', () => {
  assert.is(MIN_STEAL_TICKS, 3);
  // Two ticks of a short job on 16 CPUs read about 1.6%; five about 4.3%.
  assert.is(verdictOf('ok', steady, rule, {}, undefined, 1.6, 2).verdict, 'VALID');
  const v = verdictOf('ok', steady, rule, {}, undefined, 4.3, 5);
  assert.is(v.verdict, 'INVALID');
  assert.match(v.reasons[0]!, /4\.3% of the CPUs' time \(steal, 5 ticks\)/);
  assert.is(verdictOf('ok', steady, rule, {}, undefined, 2.4, 3).verdict, 'INVALID', 'three ticks above the share count');
  assert.is(verdictOf('ok', steady, rule, {}, undefined, 0.5, 40).verdict, 'VALID', 'many ticks under the share do not');
  assert.not.ok(fixableWithMoreTime('ok', steady, rule, 1.6, 2));
  assert.ok(fixableWithMoreTime('ok', steady, rule, 4.3, 5));
  // Pooling: a line with two stolen ticks is not left out.
  const two = { ...line('j~r2', [150, 151], 1.6), stealTicks: 2 } as ResultLine;
  assert.equal(poolReplicates('j', [line('j', [100, 102], 0), two]).samplesNs, [100, 102, 150, 151]);
  assert.is(poolReplicates('j', [{ ...line('j', [100], 0), stealTicks: 0 } as ResultLine, two]).stealTicks, 2);
});

test('raw lines: stealTicks is an optional count', () => {
  const base = { schemaVersion: 1, jobId: 'j', planId: 'p', status: 'ok' };
  assert.is(schemaError(ResultLineSchema, { ...base, stealPct: 2.5, stealTicks: 4 }), '');
  assert.ok(schemaError(ResultLineSchema, { ...base, stealTicks: 1.5 }).startsWith('/stealTicks'));
});

test('a stolen job is worth another look; a steady unstolen one is not', () => {
  assert.ok(fixableWithMoreTime('ok', steady, rule, 2));
  assert.not.ok(fixableWithMoreTime('ok', steady, rule, 0.5));
  assert.not.ok(fixableWithMoreTime('invalid', steady, rule, 2), 'a wrong result is not measured away');
});

const line = (jobId: string, samplesNs: number[], stealPct?: number): ResultLine => ({
  schemaVersion: 1, jobId, planId: 'p', status: 'ok', samplesNs, cpuSideNs: samplesNs, wallNs: 1000, ...(stealPct !== undefined ? { stealPct } : {}),
} as ResultLine);

test('pooling replicates leaves out the stolen ones while a quiet one exists', () => {
  const quiet1 = line('j', [100, 102], 0);
  const stolenOne = line('j~r2', [900, 950], 4.2);
  const quiet2 = line('j~r3', [101, 99], 0.4);
  const pooled = poolReplicates('j', [quiet1, stolenOne, quiet2]);
  assert.equal(pooled.samplesNs, [100, 102, 101, 99]);
  assert.equal(pooled.cpuSideNs, [100, 102, 101, 99]);
  assert.is(pooled.stealPct, 0.4);
  assert.is(pooled.wallNs, 2000, 'only the kept lines\' wall time');
  // Every replicate stolen: all count (no choice to make) and the row says how much was stolen.
  const allStolen = poolReplicates('j', [line('j', [500], 2), line('j~r2', [700], 6)]);
  assert.equal(allStolen.samplesNs, [500, 700]);
  assert.is(allStolen.stealPct, 6);
  // Lines of engines without stealPct pool as before.
  assert.equal(poolReplicates('j', [line('j', [1]), line('j~r2', [2])]).samplesNs, [1, 2]);
  assert.is(poolReplicates('j', [line('j', [1]), line('j~r2', [2])]).stealPct, undefined);
  // A profile's own bound decides what counts as stolen.
  assert.equal(poolReplicates('j', [quiet1, stolenOne], { maxStealPct: 5 }).samplesNs, [100, 102, 900, 950]);
});

test('raw lines: stealPct is an optional percentage', () => {
  const base = { schemaVersion: 1, jobId: 'j', planId: 'p', status: 'ok' };
  assert.is(schemaError(ResultLineSchema, { ...base, stealPct: 2.5 }), '');
  assert.is(schemaError(ResultLineSchema, base), '');
  assert.ok(schemaError(ResultLineSchema, { ...base, stealPct: 120 }).startsWith('/stealPct'));
});

test.run();
