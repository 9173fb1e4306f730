// The committed derived/ files of the newest co-execution run of each platform are what `coexec derive` writes with
// this code: a change to the predictors or the analysis that moves them must re-derive the shipped runs in the same
// commit. s30 found a run whose committed q (0.998) was an older code's; this code gave 0.614.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deriveRunInMemory } from '../src/analysis/derive.js';
import { readExperiments } from '../src/analysis/run-files.js';

const RESULTS = 'results';

/** The newest co-execution run folder (by its timestamped name) of each platform under results/. */
function newestRuns(): string[] {
  if (!existsSync(RESULTS)) return [];
  const out: string[] = [];
  for (const platform of readdirSync(RESULTS)) {
    const dir = join(RESULTS, platform);
    const runs = existsSync(dir) ? readdirSync(dir).filter((d) => /-coexec-/.test(d) && existsSync(join(dir, d, 'jobs.json'))) : [];
    const stamp = (d: string): string => /(\d{8}T\d{4}Z)/.exec(d)?.[1] ?? '';
    runs.sort((a, b) => stamp(a).localeCompare(stamp(b)) || a.localeCompare(b));
    if (runs.length > 0) out.push(join(dir, runs[runs.length - 1]!));
  }
  return out;
}

/** Row fields that time this machine's work rather than derive from the data (how long the selection took). */
const TIMED_FIELDS = new Set(['selectionMs']);
const untimed = (rows: unknown): unknown =>
  (rows as Record<string, unknown>[]).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMED_FIELDS.has(k))));
const rowsOf = (run: string, file: string): unknown => untimed(JSON.parse(readFileSync(join(run, 'derived', file), 'utf8')).rows);
const plain = (x: unknown): unknown => untimed(JSON.parse(JSON.stringify(x)));

test('the newest co-execution run of each platform has derived/ files as this code derives them', async () => {
  const runs = newestRuns();
  assert.ok(runs.length >= 3, `expected committed runs under ${RESULTS}/, found ${runs.length}`);
  const experiments = readExperiments('experiments');
  for (const run of runs) {
    const { derived: d } = await deriveRunInMemory(run, { experiments });
    const stale = `${run}: its committed derived/ files are not what this code derives; run \`coexec derive ${run}\` (and the other shipped runs)`;
    assert.equal(rowsOf(run, 'predictor-accuracy.json'), plain(d.predictorAccuracy), `${stale} (predictor-accuracy)`);
    assert.equal(rowsOf(run, 'layers.json'), plain(d.layers), `${stale} (layers)`);
    assert.equal(rowsOf(run, 'claims.json'), plain(d.claims), `${stale} (claims)`);
  }
});

test.run();
