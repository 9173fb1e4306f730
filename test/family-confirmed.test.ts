import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scoreChoices } from '../src/analysis/family-confirmed.js';
import { strategyId } from '../src/analysis/layers.js';
import { confirmLatencies } from '../src/analysis/layer-rows.js';
import { gridSpaces } from '../src/select/space.js';
import { CPU2, GPU_FINE, GRID, HALF_FINE, HALF_FINISH, LAYER, handJobs } from './fixtures/recorded/hand-built.js';

const spaces = [...gridSpaces(GRID).values()];
const id = (s: typeof CPU2): string => strategyId(LAYER, s);
// The confirmation pass (ms): HALF_FINE 4.4 is its fastest, HALF_FINISH 5.5, GPU_FINE 4.8; CPU2 was not re-measured.
const confirm = confirmLatencies(handJobs('confirm', [[HALF_FINE, 4.4], [HALF_FINISH, 5.5], [GPU_FINE, 4.8]]));

test('each family scored as q is: the fastest confirmed latency over its choice\'s confirmed latency', () => {
  const choices: Record<string, string> = { a: id(HALF_FINE), b: id(HALF_FINISH), c: id(GPU_FINE) };
  const r = scoreChoices(spaces, ['c', 'a', 'b'], confirm, (f) => choices[f]!)!;
  assert.equal(r.layers, 1);
  assert.equal(r.ofLayers, 1);
  assert.equal(Object.keys(r.geomeanQ), ['a', 'b', 'c']);
  assert.ok(Math.abs(r.geomeanQ.a! - 1) < 1e-12);
  assert.ok(Math.abs(r.geomeanQ.b! - 4.4 / 5.5) < 1e-12);
  assert.ok(Math.abs(r.geomeanQ.c! - 4.4 / 4.8) < 1e-12);
});

test('a layer where the pass lacks one family\'s choice scores no family; one family alone is no comparison', () => {
  const choices: Record<string, string | null> = { a: id(HALF_FINE), b: id(CPU2) };
  assert.is(scoreChoices(spaces, ['a', 'b'], confirm, (f) => choices[f]!), undefined);
  assert.is(scoreChoices(spaces, ['a', 'b'], confirm, (f) => (f === 'a' ? id(HALF_FINE) : null)), undefined);
  assert.is(scoreChoices(spaces, ['a'], confirm, () => id(HALF_FINE)), undefined);
  assert.is(scoreChoices(spaces, ['a', 'b'], new Map(), () => id(HALF_FINE)), undefined);
});

test.run();
