// A run's held-out evaluation as derive does it (same folds, same fixed split), for the diagnosis scripts:
// parses `RUN_DIR [--family NAME]` from the command line (exits with `usage` on a bad one) and returns the
// jobs, the cross-validation, the family derive's 'auto' would pick (or the one asked for) and the grid's VALID
// layer jobs by strategy id. Needs `npx tsc -p tsconfig.json` first (reads dist/).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heldOutEvaluationOfRunDir, pickFamily } from '../../dist/src/analysis/derive.js';
import { inPhase, strategyId } from '../../dist/src/analysis/layers.js';
import { readDevice } from '../../dist/src/analysis/run-files.js';
import { MODEL_KINDS } from '../../dist/src/predict/side-model.js';

/** `script`: the script's path as its usage line names it, e.g. "scripts/selection-diagnosis.mjs". */
export function loadHeldOutRun(script, argv = process.argv.slice(2)) {
  const args = [...argv];
  const at = args.indexOf('--family');
  const requested = at < 0 ? undefined : args.splice(at, 2)[1];
  const [run] = args;
  if (!run || !existsSync(join(run, 'jobs.json')) || (at >= 0 && !MODEL_KINDS.includes(requested))) {
    console.error(`usage: node ${script} RUN_DIR [--family ${MODEL_KINDS.join('|')}]`);
    process.exit(2);
  }
  const { jobs, cv } = heldOutEvaluationOfRunDir(run, fileURLToPath(new URL('../../experiments', import.meta.url)));
  const family = pickFamily(cv, requested ?? 'auto', readDevice(run).type);
  if (!family || !cv.heldOut.has(family)) {
    console.error(`${script}: no held-out predictor of family ${family ?? '(none)'} in ${run}`);
    process.exit(1);
  }
  const grid = new Map();
  for (const j of jobs.rows) if (inPhase(j, 'grid') && j.kind === 'layer' && j.stats && j.verdict === 'VALID') grid.set(strategyId(j.layer, j.strategy), j);
  return { run, jobs, cv, family, grid };
}
