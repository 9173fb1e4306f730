// The CPU ISA a predictor ranks with is the one the engine resolved for its training jobs, so that on an
// AVX2-only machine a slice is priced with AVX2's register tiling, as in training.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { trainingCpuIsa, type LayerJob } from '../src/predict/dataset.js';
import { predictStrategy, type Predictor } from '../src/predict/compose.js';
import { cpuFeatures } from '../src/predict/features.js';
import type { ModelFile } from '../src/predict/model.js';
import type { Layer, Strategy } from '../src/analysis/types.js';

const job = (cpuImpl: string | undefined): LayerJob => ({ resolved: cpuImpl ? { cpuImpl } : undefined } as unknown as LayerJob);

test('the most common resolved ISA wins; names without one are ignored; none gives undefined', () => {
  assert.is(trainingCpuIsa([job('simd-avx2'), job('simd-im2col-avx2'), job('simd-avx512'), job('openblas')]), 'avx2');
  assert.is(trainingCpuIsa([job('openblas'), job(undefined)]), undefined);
  assert.is(trainingCpuIsa([job('simd-avx2'), job('simd-avx512')]), 'avx2'); // a tie is broken by name, stably
});

test('ranking prices the CPU slice with the predictor ISA', () => {
  const layer: Layer = { type: 'linear', M: 1, N: 10, K: 20 };
  // A baseline pricing padded flops per thread only (1 ns each): its prediction is that feature itself.
  const cpu = {
    schemaVersion: 1, family: 'baseline', side: 'cpu', featureNames: [], groups: [], params: {}, nTrain: 1,
    trainingDataSha256: '0'.repeat(64), terms: ['paddedFlopsPerThread'], perGroup: {}, pooled: { coef: [1] },
  } as unknown as ModelFile;
  const strategy: Strategy = { splitRatio: 1, granularity: 1, cpuThreads: 2, cpuImpl: 'simd', gpuVariant: 'none', gpuWorkGroup: 0, sync: 'finish' };
  const composition = { dispatchNs: {}, dispatchPerByteNs: {}, syncNs: {}, cpuContention: 1, offsetNs: {} };
  const p = (cpuIsa?: string): Predictor => ({ family: 'baseline', cpu, gpu: cpu, composition, device: { computeUnits: 1 }, ...(cpuIsa ? { cpuIsa } : {}) });
  const avx2 = cpuFeatures(layer, 10, 2, 'simd', 'avx2').values;
  const avx512 = cpuFeatures(layer, 10, 2, 'simd', 'avx512').values;
  // Hand-computed in predict-features.test.ts: busiest thread 288 padded flops on AVX2, 512 on AVX-512.
  assert.is(avx2.paddedFlopsPerThread, 288);
  assert.is(avx512.paddedFlopsPerThread, 512);
  assert.is(predictStrategy(p('avx2'), layer, strategy).cpuNs, 288);
  assert.is(predictStrategy(p('avx512'), layer, strategy).cpuNs, 512);
  assert.is(predictStrategy(p(), layer, strategy).cpuNs, 512); // no ISA known: the widest is assumed
});

test.run();
