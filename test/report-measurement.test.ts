// The report's "Measurement" section (src/report/measurement-section.ts): the noise calibration against the
// profile's limit, the start-of-run warning, re-measured jobs, and the validity and claims verdicts apart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadRun } from '../src/report/render-run.js';
import { measurementSection } from '../src/report/measurement-section.js';
import { runSections } from '../src/report/sections.js';
import { copyRunSmall } from './fixtures/make-run-small.js';
import { addMeasurement } from './fixtures/measurement.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

test('a run without measurement data (the shipped older runs) gets no section', async () => {
  const run = await loadRun(await copyRunSmall());
  assert.is(measurementSection(run), undefined);
  assert.equal(runSections(run).map((s) => s.id).filter((id) => id === 'measurement'), []);
});

test('a quiet run: the calibration against the limit, no warning, validity and claims PASS apart', async () => {
  const dir = await copyRunSmall();
  const m = addMeasurement(dir, { remeasured: 2 }) as { validShare: number; noise: { predictedPct: number; typicalSamples: number } };
  const run = await loadRun(dir);
  const s = runSections(run).filter((x) => x.id === 'measurement');
  assert.equal(s.map((x) => x.id), ['measurement'], 'registered in REPORT_SECTIONS');
  const t = text(s[0]!.html);
  assert.ok(m.validShare >= 0.9, `fixture share ${m.validShare}`);
  assert.ok(t.includes(`Validity PASS : ${(100 * m.validShare).toFixed(1)}% of layer jobs VALID, validate needs >= 90%`), t);
  assert.match(t, new RegExp(`claims PASS : ${run.claims!.rows.length} of ${run.claims!.rows.length} claims hold`));
  assert.match(t, new RegExp(`CPU workload \\(synthetic\\), 95% CI half-width of the median [0-9.]+% per 40-sample calibration job; ${m.noise.predictedPct.toFixed(1)}% expected at the ${m.noise.typicalSamples} samples`));
  assert.match(t, /GPU round trip \(synthetic\), 95% CI half-width of the median [0-9.]+% per calibration job; run-to-run [0-9.]+%/);
  assert.match(t, /Profile limit 95% CI half-width of the median <= 10\.0% per job/);
  assert.match(t, /Start-of-run noise warning not fired/);
  assert.match(t, /Re-measured jobs 2 \(up to 2 attempts each, every sample pooled\); 2 of them VALID now/);
});

test('a noisy run: the warning fired, validity FAIL while the claims PASS, each said apart', async () => {
  const dir = await copyRunSmall();
  addMeasurement(dir, { spread: 1.2, maxSamples: 40, invalid: 8, remeasured: 1 });
  const run = await loadRun(dir);
  const html = measurementSection(run)!.html;
  const t = text(html);
  assert.match(html, /<span class="fail">Validity <b>FAIL<\/b>/);
  assert.match(html, /<span class="pass">claims <b>PASS<\/b>/);
  assert.match(t, /Start-of-run noise warning fired: the machine was judged too noisy for the profile/);
  assert.match(t, /Re-measured jobs 9 \(up to 3 attempts each, every sample pooled\); 1 of them VALID now/);
  assert.match(t, /a job needs \d+ samples, more than the profile's maxSamples/);
  assert.ok(Number(/([0-9.]+)% of layer jobs VALID/.exec(t)![1]) < 90);
});

test('INVALID jobs by cause: a run refused for steal time says closing programs does not help', async () => {
  const dir = await copyRunSmall();
  const m = addMeasurement(dir, { invalid: 12, invalidReason: "the hypervisor took 4.9% of the CPUs' time (steal, 40 ticks) while this job ran, > 1%" }) as { invalidCauses: { cause: string; jobs: number }[] };
  assert.equal(m.invalidCauses[0], { cause: 'steal time', jobs: 12 });
  const t = text(measurementSection(await loadRun(dir))!.html);
  assert.match(t, /INVALID layer jobs by cause steal time 12(, [a-z ]+ \d+)* \(a job may have two\); the most: another guest's load on the shared host \(hypervisor steal\): closing programs here does not help/);
});

test('a digest from an older harness (no prediction) and a failed calibration still read', async () => {
  const run = await loadRun(await copyRunSmall());
  const old = { ...run, summary: { ...run.summary!, measurement: { noise: { samplesPerRepetition: 40, dispersion: 'median-ci', limitPct: 10, observedPct: 12.5, tooNoisy: true, cpu: { what: 'w', runToRunCvPct: 1 } }, remeasured: { jobs: 0, validNow: 0, maxAttempts: 1 }, validShare: 0.95 } } };
  const t = text(measurementSection(old)!.html);
  assert.match(t, /12\.5% per 40-sample calibration job; run-to-run 1\.0%/);
  assert.match(t, /Re-measured jobs none/);
  const failed = { ...run, summary: { ...run.summary!, measurement: { noise: { problem: 'calibration run ended with exit 1', tooNoisy: false }, validShare: null } } };
  const f = text(measurementSection(failed)!.html);
  assert.match(f, /Noise calibration not estimated: calibration run ended with exit 1/);
  assert.match(f, /Validity FAIL : no layer job/);
});

test.run();
