// A profile's register-tiled variants may leave their vector width to the device ("v*"): the space's variant
// whose VW is the largest not above the device's native float vector width (engine info
// nativeVectorWidthFloat), the smallest the space has for a narrower device, every width when none is known.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolve } from 'node:path';
import { loadConfigs } from '../src/config/load.js';
import { planPhase } from '../src/plan/expand.js';
import { isVectorWidthWildcard, resolveVectorWidth } from '../src/plan/gpu-variants.js';
import { narrowSpace } from '../src/plan/resolve.js';
import { problemsAfterProfileEdit } from './config-copy.js';

const configs = loadConfigs(resolve(process.cwd()));
const NOW = new Date('2026-12-04T12:00:00Z');
const ids = ['linear_reg_v4x2_m4', 'linear_reg_v8x2_m4', 'linear_reg_v16x2_m4', 'conv_pq_v8x2_f4', 'conv_pq_v16x2_f4'];

test('resolveVectorWidth: the widest that fits, the narrowest for a narrower device, all when unknown', () => {
  assert.ok(isVectorWidthWildcard('linear_reg_v*x2_m4'));
  assert.not.ok(isVectorWidthWildcard('linear_reg_v8x2_m4'));
  assert.equal(resolveVectorWidth('linear_reg_v*x2_m4', ids, 16), ['linear_reg_v16x2_m4'], 'AVX-512 PoCL');
  assert.equal(resolveVectorWidth('linear_reg_v*x2_m4', ids, 8), ['linear_reg_v8x2_m4'], 'AVX2 PoCL');
  assert.equal(resolveVectorWidth('linear_reg_v*x2_m4', ids, 4), ['linear_reg_v4x2_m4'], 'NEON, Mali');
  assert.equal(resolveVectorWidth('linear_reg_v*x2_m4', ids, 1), ['linear_reg_v4x2_m4'], 'a scalar-SIMT GPU');
  assert.equal(resolveVectorWidth('conv_pq_v*x2_f4', ids, 4), ['conv_pq_v8x2_f4'], 'no VW 4 in the space');
  assert.equal(resolveVectorWidth('linear_reg_v*x2_m4', ids), ['linear_reg_v4x2_m4', 'linear_reg_v8x2_m4', 'linear_reg_v16x2_m4']);
  assert.equal(resolveVectorWidth('linear_reg_v*x4_m8', ids, 16), [], 'not in the space');
  assert.equal(resolveVectorWidth('gemv_row', ids, 16), ['gemv_row'], 'a concrete id stays');
});

test('narrowSpace and planPhase: full profile tiles follow the engine info\'s native width', () => {
  const linear = configs.spaces.get('linear')!;
  const narrowed = narrowSpace(linear, { gpuVariants: ['linear_reg_v*x2_m1', 'gemv_row'] }, 8);
  assert.equal(narrowed.gpuVariants.map((v) => v.id).sort(), ['gemv_row', 'linear_reg_v8x2_m1']);
  const info = (width: number) => ({ opencl: { platforms: [{ name: 'Portable Computing Language', devices: [
    { name: 'pthread-cpu', type: 'cpu', svm: ['coarse', 'fine-buffer', 'atomics'], nativeVectorWidthFloat: width }] }] } });
  const variants = (width?: number) => {
    const plan = planPhase(configs.experiments.get('linear-coexec')!, configs.profiles.get('full')!, configs.platforms.get('local')!, 'grid',
      { configs, now: NOW, ...(width ? { engineInfo: info(width) } : {}) });
    const names = plan.engine.jobs.map((j) => ('gpuVariant' in j.strategy ? j.strategy.gpuVariant : ''));
    return [...new Set(names.filter((v) => v.startsWith('linear_reg')))].sort();
  };
  assert.equal(variants(16), ['linear_reg_v16x2_m1', 'linear_reg_v16x2_m4']);
  assert.equal(variants(8), ['linear_reg_v8x2_m1', 'linear_reg_v8x2_m4']);
  assert.equal(variants().length, 6, 'no engine info (an offline bundle): every width the space has');
});

test('config check: a "v*" name narrows when the space has it at some width, else it is reported', () => {
  const ok = problemsAfterProfileEdit('full', (p) => { p.experiments['linear-coexec']!.space!.gpuVariants = ['linear_reg_v*x2_m1']; });
  assert.equal(ok, []);
  const bad = problemsAfterProfileEdit('full', (p) => { p.experiments['linear-coexec']!.space!.gpuVariants = ['linear_reg_v*x8_m1']; });
  assert.ok(bad.some((m) => m.includes('linear_reg_v*x8_m1')), bad.join('\n'));
});

test('config check: a concrete variant id the space lacks is reported, not dropped from the grid', () => {
  // s39's host profile named conv_splitk_64x32x16_4x4_s8 before the conv2d space had the family: the id passed the
  // check (a non-wildcard name counted as known) and narrowSpace left it out of every plan.
  const bad = problemsAfterProfileEdit('host', (p) => { p.experiments['conv-coexec']!.space!.gpuVariants = ['conv_local_64x32x16_4x4', 'conv_splitk_16x16x16_4x4_s2']; });
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0]!, /host\.json.*conv-coexec\/space\/gpuVariants\/1.*conv_splitk_16x16x16_4x4_s2/);
});

test.run();
