// jobs.json rows from engine lines: confirmation-pass replicates pool into one row under the plain id, with
// their count and spread; a failed replicate makes the pooled row fail; other phases never pool.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ResultLine } from '../src/engine/lines.js';
import { buildJobs, type RunJobMeta } from '../src/run/jobs.js';
import type { ValidityRule } from '../src/stats/verdict.js';

const rule: ValidityRule = { maxCvPct: 50, minSamples: 3, maxFreqDriftPct: 10, maxTempRiseC: 10, dispersion: 'median-ci' };
const meta: Record<string, RunJobMeta> = {
  s: { phase: 'confirm', phases: ['confirm'], role: 'coexec', workloads: ['w'], kind: 'layer' },
};
const line = (jobId: string, samplesNs: number[], extra: Partial<ResultLine> = {}): ResultLine => ({
  schemaVersion: 1, jobId, planId: 'p', status: 'ok', samplesNs, cpuSideNs: samplesNs.map((x) => x / 2), wallNs: 1000, ...extra,
});

test('three confirm replicates pool into one row: samples joined, walls summed, spread of their medians', () => {
  const lines = [line('s', [100, 101, 102]), line('s~r2', [110, 111, 112]), line('s~r3', [100, 100, 100])];
  const { doc } = buildJobs('run', 'local', 'linear-coexec', [{ phase: 'confirm', lines }], meta, rule, {});
  assert.is(doc.rows.length, 1);
  const row = doc.rows[0]!;
  assert.is(row.jobId, 's');
  assert.is(row.stats!.n, 9);
  assert.is(row.stats!.medianNs, 101);
  assert.is(row.replicates, 3);
  assert.ok(Math.abs(row.replicateSpreadPct! - (111 / 100 - 1) * 100) < 1e-9);
  assert.is(row.wallNs, 3000);
  assert.is(row.cpuSideMedianNs, 50.5);
  assert.is(row.verdict, 'VALID');
  assert.equal(row.workloads, ['w']);
});

test('a replicate with a wrong result makes the pooled row INVALID with its reason', () => {
  const lines = [line('s', [100, 101, 102]), line('s~r2', [110, 111, 112], { status: 'invalid', reason: 'max abs err 3' })];
  const { doc } = buildJobs('run', 'local', 'linear-coexec', [{ phase: 'confirm', lines }], meta, rule, {});
  assert.is(doc.rows[0]!.status, 'invalid');
  assert.is(doc.rows[0]!.verdict, 'INVALID');
  assert.match(doc.rows[0]!.reasons[0]!, /max abs err 3/);
});

test('outside the confirmation pass a ~r id is its own row (nothing pools)', () => {
  const lines = [line('s', [100, 101, 102]), line('s~r2', [110, 111, 112])];
  const { doc } = buildJobs('run', 'local', 'linear-coexec', [{ phase: 'grid', lines }], meta, rule, {});
  assert.equal(doc.rows.map((r) => r.jobId), ['s', 's~r2']);
  assert.is(doc.rows[0]!.replicates, undefined);
});

test.run();
