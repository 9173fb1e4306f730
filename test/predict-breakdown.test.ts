// The error breakdown: groups, signed errors and shares computed by hand on four rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PredictionRow } from '../src/analysis/types.js';
import { errorBreakdown, settingOf } from '../src/predict/breakdown.js';

const row = (layerId: string, strategyId: string, predictedMs: number, measuredMs: number): PredictionRow => ({
  side: 'cpu', model: 'baseline', layerId, strategyId, predictedMs, measuredMs,
});
const rows = [
  row('a', 'a/r:1.00/t:8/cpu:simd/gpu:none/sync:finish', 0.5, 1), // -50%
  row('a', 'a/r:1.00/t:15/cpu:simd/gpu:none/sync:finish', 0.7, 1), // -30%
  row('b', 'b/r:1.00/t:8/cpu:simd/gpu:none/sync:finish', 1.1, 1), // +10%
  row('b', 'b/r:1.00/t:15/cpu:simd/gpu:none/sync:finish', 0.9, 1), // -10%
];

test('by layer: MAPE, mean signed error and share of the total error, largest share first', () => {
  const [a, b] = errorBreakdown(rows, 'layer');
  assert.equal([a!.group, a!.n], ['a', 2]);
  assert.ok(Math.abs(a!.mape - 40) < 1e-9 && Math.abs(a!.meanSignedPct + 40) < 1e-9 && Math.abs(a!.shareOfError - 0.8) < 1e-9);
  assert.ok(Math.abs(b!.mape - 10) < 1e-9 && Math.abs(b!.meanSignedPct) < 1e-9 && Math.abs(b!.shareOfError - 0.2) < 1e-9);
});

test('by setting: the side\'s own knobs of the strategy id', () => {
  assert.is(settingOf(rows[0]!), 't:8 cpu:simd');
  assert.is(settingOf({ side: 'gpu', strategyId: 'x/r:0.00/t:0/cpu:none/gpu:gemv_row-wg64/sync:finish' }), 'gpu:gemv_row-wg64 sync:finish');
  const bySetting = errorBreakdown(rows, 'setting');
  assert.equal(bySetting.map((b) => [b.group, b.n]), [['t:8 cpu:simd', 2], ['t:15 cpu:simd', 2]]);
  assert.ok(Math.abs(bySetting[0]!.mape - 30) < 1e-9 && Math.abs(bySetting[1]!.meanSignedPct + 20) < 1e-9);
});

test.run();
