/** validate's same-call retest check: found by run id, judged by the median change, errors named. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, mkdir, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSameCallRetest } from '../src/validate/retest.js';
import { runValidate } from '../src/validate/run-validate.js';
import { RUN_SMALL } from './fixtures/make-run-small.js';

const noExperiments = { experimentsDir: '/nonexistent-experiments' };

/** results/<platform>/<runId> copied from the fixture, and results/repeatability. */
async function layout(runId: string): Promise<{ run: string; rep: string }> {
  const root = await mkdtemp(join(tmpdir(), 'coexec-retest-'));
  const run = join(root, 'results', 'gpu-host', runId);
  await mkdir(join(root, 'results', 'gpu-host'), { recursive: true });
  await cp(RUN_SMALL, run, { recursive: true });
  const rep = join(root, 'results', 'repeatability');
  await mkdir(rep);
  return { run, rep };
}

const retestFile = (runA: string, runB: string, medianApePct: number, medianRatio?: number) => JSON.stringify({
  schemaVersion: 1, runA, runB,
  rows: [{ group: 'cpu-slice', n: 3, mape: 1, medianApePct: 1 }, { group: 'all', n: 40, mape: 9, medianApePct, ...(medianRatio ? { medianRatio } : {}) }],
});

test('no repeatability folder or no file for this run: nothing to check', async () => {
  const { run, rep } = await layout('conv-coexec-host-20990101T0000Z');
  assert.is(findSameCallRetest(run, join(rep, 'missing')), undefined);
  await writeFile(join(rep, 'gpu-host-conv-coexec-other-same-call.json'), retestFile('other-run', 'other-run', 50));
  assert.is(findSameCallRetest(run), undefined);
  const v = await runValidate(run, noExperiments);
  assert.not.ok(v.lines.some((l) => l.includes('retest')), v.lines.join('\n'));
});

test('a quiet retest passes and a disturbed one fails validity, naming the change and the file', async () => {
  const id = 'conv-coexec-host-20990101T0000Z';
  const { run, rep } = await layout(id);
  const file = join(rep, `gpu-host-conv-coexec-${id}-same-call.json`);
  await writeFile(file, retestFile(id, id, 5.2));
  assert.equal(findSameCallRetest(run), { file, jobs: 40, medianApePct: 5.2 });
  let v = await runValidate(run, noExperiments);
  const quiet = v.sections.validity.lines.find((l) => l.includes('retest'))!;
  assert.match(quiet, /^PASS {2}retest {4}same-call retest of 40 jobs: median change 5\.2% \(need <= 15%/);
  await writeFile(file, retestFile(id, id, 34.3));
  v = await runValidate(run, noExperiments);
  assert.not.ok(v.verdicts.validity);
  assert.ok(v.verdicts.integrity);
  assert.match(v.sections.validity.lines.find((l) => l.includes('retest'))!, /^FAIL {2}retest {4}.*median change 34\.3%.*disturbed/);
  // A looser bound given on purpose passes it.
  v = await runValidate(run, { ...noExperiments, maxRetestMedianApePct: 40 });
  assert.ok(v.sections.validity.lines.some((l) => l.startsWith('PASS  retest')));
});

test('a retest whose jobs all moved one way says the machine slowed or sped up as a whole; noise says nothing more', async () => {
  const id = 'linear-coexec-host-20990101T0000Z';
  const { run, rep } = await layout(id);
  const file = join(rep, `pocl-split-linear-coexec-${id}-same-call.json`);
  const line = async (): Promise<string> => (await runValidate(run, noExperiments)).sections.validity.lines.find((l) => l.includes('retest'))!;
  await writeFile(file, retestFile(id, id, 23.6, 1.303));
  assert.equal(findSameCallRetest(run), { file, jobs: 40, medianApePct: 23.6, medianRatio: 1.303 });
  assert.match(await line(), /^FAIL.*median change 23\.6%.*the retest ran 1\.30x slower than the run, job for job: the machine slowed as a whole/);
  await writeFile(file, retestFile(id, id, 20, 0.8));
  assert.match(await line(), /the retest ran 1\.25x faster than the run, job for job/);
  await writeFile(file, retestFile(id, id, 18, 1.02));
  assert.not.match(await line(), /job for job/);
});

test('a damaged retest file fails with its name instead of being skipped', async () => {
  const id = 'linear-coexec-host-20990101T0000Z';
  const { run, rep } = await layout(id);
  await writeFile(join(rep, `x-${id}-same-call.json`), '{not json');
  assert.throws(() => findSameCallRetest(run), /same-call\.json: not JSON/);
  await writeFile(join(rep, `x-${id}-same-call.json`), JSON.stringify({ runA: id, runB: id, rows: [] }));
  const v = await runValidate(run, noExperiments);
  assert.ok(v.sections.validity.lines.some((l) => /^FAIL {2}retest {4}.*no "all" row/.test(l)), v.lines.join('\n'));
});

test.run();
