// invalidCauses: INVALID jobs grouped by the cause their reasons name, the way out of the most frequent cause.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { invalidCauses, invalidCausesLine, roundHealth } from '../src/stats/invalid-causes.js';

test('each reason of src/stats/verdict.ts falls under its cause; a job with two causes counts under both', () => {
  const c = invalidCauses([
    { verdict: 'VALID', reasons: [] },
    { verdict: 'INVALID', reasons: ['wrong result (max error 0.3): the timing is not used'] },
    { verdict: 'INVALID', reasons: ['robust CV 9.1% > 5% with 40 samples: raise minSamples'] },
    { verdict: 'INVALID', reasons: ['95% CI half-width of the median 7.0% > 5% with 40 samples', 'CPU frequency drifted 4.0% > 2% during the run'] },
    { verdict: 'INVALID', reasons: ['engine error: out of memory'] },
    { verdict: 'INVALID', reasons: ['temperature rose 6.0 C > 5 C during the run'] },
    { verdict: 'INVALID', reasons: ['something new'] },
    { verdict: 'INVALID' },
  ]);
  assert.is(c.invalid, 7);
  assert.equal(c.counts.map((x) => [x.cause, x.jobs]), [['dispersion', 2], ['drift', 2], ['other', 2], ['wrong', 1], ['error', 1]]);
  // Ties keep the listed order of the causes: dispersion's way out.
  assert.match(c.wayOut!, /^samples spread too widely/);
});

test('steal time first: the way out says closing programs does not help', () => {
  const steal = "the hypervisor took 3.0% of the CPUs' time (steal, 9 ticks) while this job ran, > 1%";
  const c = invalidCauses([{ verdict: 'INVALID', reasons: [steal] }, { verdict: 'INVALID', reasons: [steal, '3 samples < 10: raise maxTimeMs'] }]);
  assert.equal(c.counts.map((x) => [x.label, x.jobs]), [['steal time', 2], ['too few samples', 1]]);
  assert.match(invalidCausesLine(c)!, /^INVALID jobs by cause: steal time 2, too few samples 1 \(of 2; a job may have two\); the most: .*closing programs here does not help/);
});

test('no INVALID job: no causes and no line', () => {
  const c = invalidCauses([{ verdict: 'VALID', reasons: [] }]);
  assert.equal(c, { invalid: 0, counts: [] });
  assert.is(invalidCausesLine(c), undefined);
});

test('roundHealth: a host is "stolen" only below the share AND with steal time the main cause; skipped jobs do not count', () => {
  const steal = "the hypervisor took 4.9% of the CPUs' time (steal, 40 ticks) while this job ran, > 1%";
  const layer = (verdict: string, reasons: string[] = []) => ({ kind: 'layer', status: 'ok', verdict, reasons });
  const stolen = [layer('VALID'), layer('INVALID', [steal]), layer('INVALID', [steal]), { kind: 'layer', status: 'skipped', verdict: 'INVALID', reasons: ['skipped by the engine: no SVM'] }, { kind: 'roundtrip', status: 'ok', verdict: 'INVALID' }];
  const h = roundHealth(stolen, 0.5);
  assert.equal([h.layerJobs, h.valid, h.stolenHost], [3, 1, true]);
  assert.is(roundHealth(stolen, 0.3).stolenHost, false); // 33% VALID is above a 30% floor
  // As many INVALID jobs, but for dispersion: a noisy machine of our own, not the host's other guests.
  const noisy = [layer('VALID'), layer('INVALID', ['CV 9.0% > 5% with 40 samples']), layer('INVALID', ['CV 8.0% > 5% with 40 samples'])];
  assert.is(roundHealth(noisy, 0.5).stolenHost, false);
  assert.is(roundHealth([], 0.5).stolenHost, false);
});

test.run();
