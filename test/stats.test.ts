// Statistics and verdicts against values computed by hand (shown in the comments).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describe, mean, median, medianCi95HalfPct, quantileSorted, sd, t975 } from '../src/stats/descriptive.js';
import { verdictOf } from '../src/stats/verdict.js';

const close = (a: number, b: number, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('describe [2,4,4,4,5,5,7,9]', () => {
  const s = describe([9, 4, 2, 5, 4, 7, 4, 5])!;
  assert.is(s.n, 8);
  assert.is(s.medianNs, 4.5); // h = 3.5 -> (4 + 5) / 2
  assert.is(s.q1Ns, 4); // h = 1.75 between 4 and 4
  assert.is(s.q3Ns, 5.5); // h = 5.25 -> 5 + 0.25 * (7 - 5)
  assert.is(s.iqrNs, 1.5);
  assert.is(s.meanNs, 5);
  close(s.sdNs, Math.sqrt(32 / 7)); // squared deviations 9+1+1+1+0+0+4+16 = 32
  close(s.cvPct, (100 * Math.sqrt(32 / 7)) / 5); // 42.76 %
  close(s.ci95LowNs, 5 - (2.365 * Math.sqrt(32 / 7)) / Math.sqrt(8)); // 3.2122
  close(s.ci95HighNs, 6.78777);
  assert.is(s.outliers, 1); // fences [1.75, 7.75]: only 9
});

test('quantiles type 7 on [10,20,30,40]', () => {
  const xs = [10, 20, 30, 40];
  assert.is(quantileSorted(xs, 0), 10);
  assert.is(quantileSorted(xs, 0.25), 17.5);
  assert.is(quantileSorted(xs, 0.5), 25);
  assert.is(quantileSorted(xs, 0.75), 32.5);
  assert.is(quantileSorted(xs, 1), 40);
  assert.is(median([3, 1, 2]), 2);
  assert.ok(Number.isNaN(median([])));
});

test('one sample, identical samples, large offsets', () => {
  const one = describe([7])!;
  assert.equal([one.n, one.medianNs, one.sdNs, one.ci95LowNs, one.ci95HighNs, one.cvPct, one.outliers], [1, 7, 0, 7, 7, 0, 0]);
  const same = describe([5, 5, 5, 5])!;
  assert.equal([same.sdNs, same.cvPct, same.iqrNs, same.outliers], [0, 0, 0, 0]);
  assert.is(mean([1e12 + 1, 1e12 + 2, 1e12 + 3]), 1e12 + 2);
  assert.is(sd([1e12 + 1, 1e12 + 2, 1e12 + 3]), 1);
  assert.is(describe([]), undefined);
});

test('t table', () => {
  assert.is(t975(1), 12.706);
  assert.is(t975(7), 2.365);
  assert.is(t975(30), 2.042);
  assert.is(t975(45), 2.021); // next smaller tabulated df (40): conservative
  assert.is(t975(120), 1.98);
  assert.is(t975(5000), 1.96);
  assert.ok(Number.isNaN(t975(0)));
});

const rule = { maxCvPct: 10, minSamples: 5, maxFreqDriftPct: 5, maxTempRiseC: 10 };

test('verdicts: valid, too few samples, CV too high, wrong result, engine error, drift', () => {
  assert.equal(verdictOf('ok', describe([100, 101, 99, 100, 100]), rule), { verdict: 'VALID', reasons: [] });
  const few = verdictOf('ok', describe([100, 100, 100]), rule);
  assert.is(few.verdict, 'INVALID');
  assert.equal(few.reasons, ['3 samples < 5: raise maxTimeMs or maxSamples so minSamples can be reached']);
  const noisy = verdictOf('ok', describe([100, 150, 100, 150, 100, 150]), rule);
  assert.match(noisy.reasons[0]!, /^CV 21\.9% > 10% with 6 samples: raise minSamples/); // sd = sqrt(6 * 625 / 5) = 27.39, mean 125
  const wrong = verdictOf('invalid', describe([1, 1, 1, 1, 1]), rule, {}, 'maxRelErr 0.5 > tolerance 1e-4');
  assert.match(wrong.reasons[0]!, /^wrong result \(maxRelErr 0\.5 > tolerance 1e-4\)/);
  assert.equal(verdictOf('error', undefined, rule, {}, 'build failed').reasons, ['engine error: build failed']);
  const drift = verdictOf('ok', describe([100, 100, 100, 100, 100]), rule, { freqDriftPct: 12.5, tempRiseC: 3 });
  assert.equal(drift.reasons, ['CPU frequency drifted 12.5% > 5% during the run: set the governor to performance and rerun']);
  const hot = verdictOf('ok', describe([100, 100, 100, 100, 100]), rule, { tempRiseC: 11 });
  assert.match(hot.reasons[0]!, /temperature rose 11\.0 C > 10 C/);
  assert.equal(verdictOf('ok', describe([100, 100, 100, 100, 100]), rule, { governorChanged: true }).reasons,
    ['a CPU frequency governor changed during the run: keep the governor fixed and rerun']);
});


test('medianCi95HalfPct: ranks 40 and 61 of 1..100 (textbook n=100 interval)', () => {
  const s = Array.from({ length: 100 }, (_, i) => i + 1);
  // median 50.5; interval [40, 61] -> half-width 10.5 -> 20.79%
  assert.ok(Math.abs(medianCi95HalfPct(s) - (100 * 21) / (2 * 50.5)) < 1e-9);
});

test('medianCi95HalfPct: the values native/tests/test_tool.cpp (median-ci) pins for the engine', () => {
  // The engine's CI stopping rule (native/src/stats.cpp) must agree with the verdict; both tests pin the
  // same sets to the same numbers, so a change on one side fails the other side's test.
  const generated = (n: number) => Array.from({ length: n }, (_, i) => 1000 + ((i * 7919) % 613));
  const cases: [number[], number][] = [
    [[1000], 0],
    [[1000, 1100], 4.7619047619047619],
    [[1200, 950, 1010, 5000, 990, 1005, 1001], 201.49253731343285],
    [[20, 10, 10, 30, 10, 40, 10, 25, 10, 90], 266.66666666666669],
    [[0, 0, 5], 0],
    [Array.from({ length: 100 }, (_, i) => i + 1), 20.792079207920793],
    [generated(37), 9.1931730023273861],
    [generated(1000), 1.4531548757170172],
  ];
  for (const [samples, want] of cases) assert.is(describe(samples)!.medianCi95HalfPct, want, `${samples.length} samples`);
});

test('robust CV ignores a few spikes that inflate the classic CV', () => {
  const samples = [...Array.from({ length: 40 }, (_, i) => 100 + (i % 5)), 1000, 1200];
  const st = describe(samples)!;
  assert.ok(st.cvPct > 50, `classic CV ${st.cvPct}`);
  assert.ok(st.robustCvPct < 3, `robust CV ${st.robustCvPct}`);
  assert.ok(st.medianCi95HalfPct < 2, `median CI ${st.medianCi95HalfPct}`);
});

test('verdict with dispersion median-ci names the measure', () => {
  const st = describe([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])!;
  const v = verdictOf('ok', st, { maxCvPct: 5, minSamples: 5, maxFreqDriftPct: 10, maxTempRiseC: 10, dispersion: 'median-ci' });
  assert.is(v.verdict, 'INVALID');
  assert.match(v.reasons[0]!, /95% CI half-width of the median/);
});

test.run();
