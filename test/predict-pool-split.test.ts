// The thread pool's split of a ParallelFor (src/predict/pool-split.ts) against native/src/cpu/thread_pool.cpp, and
// the CPU features that follow the rule a job recorded as resolved.poolChunking.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Layer, Strategy } from '../src/analysis/types.js';
import { predictStrategy, type Predictor } from '../src/predict/compose.js';
import { cpuRowsOf, trainingPoolChunking, type LayerJob } from '../src/predict/dataset.js';
import { CONV_NARROW_LAYOUT, cpuFeatures, cpuPaddedWork } from '../src/predict/features.js';
import type { ModelFile } from '../src/predict/model.js';
import { balancedChunkSize, poolChunkingOf, poolPass, poolShares } from '../src/predict/pool-split.js';

test('balancedChunkSize gives what the C++ BalancedChunkSize gives', () => {
  // Values printed by thread_pool.cpp's BalancedChunkSize (a harness over counts 1..3000, threads 1..16 matched the port
  // everywhere; these few stay here).
  assert.is(balancedChunkSize(192, 15), 2);
  assert.is(balancedChunkSize(192, 2), 24);
  assert.is(balancedChunkSize(1000, 15), 17);
  assert.is(balancedChunkSize(384, 15), 3);
  assert.is(balancedChunkSize(768, 15), 13);
  assert.is(balancedChunkSize(135, 15), 3);
  // One thread or no units: the whole range, at least 1.
  assert.is(balancedChunkSize(50, 1), 50);
  assert.is(balancedChunkSize(0, 4), 1);
});

test('an absent resolved.poolChunking is static unless the caller knows better; unknown names too', () => {
  assert.is(poolChunkingOf(undefined), 'static');
  assert.is(poolChunkingOf(undefined, 'dynamic'), 'dynamic');
  assert.is(poolChunkingOf('balanced'), 'balanced');
  assert.is(poolChunkingOf('affine'), 'affine');
  assert.is(poolChunkingOf('coarse'), 'static');
});

test('192 equal units on 15 threads: static 13 on the busiest, dynamic 16 (chunks of 4), balanced 14 (chunks of 2)', () => {
  const one = (): number => 1;
  assert.equal([poolPass(192, 15, 'static', one).busiest, poolPass(192, 15, 'static', one).total], [13, 192]);
  assert.is(poolPass(192, 15, 'dynamic', one).busiest, 16);
  assert.is(poolPass(192, 15, 'balanced', one).busiest, 14);
  // On 8 threads the dynamic rule's 32 chunks of 6 are 4 per thread: balanced, as static.
  assert.is(poolPass(192, 8, 'dynamic', one).busiest, 24);
  // Dynamic: thread i runs chunks i, i + t, ...; static: one contiguous run each.
  assert.equal(poolShares(10, 2, 'dynamic', one), [[[0, 2], [4, 6], [8, 10]], [[2, 4], [6, 8]]]);
  assert.equal(poolShares(5, 2, 'static', one), [[[0, 3]], [[3, 5]]]);
  // One thread runs everything in one call under any rule.
  assert.equal(poolShares(7, 1, 'dynamic', one), [[[0, 7]]]);
});

test('affine: static\'s runs for units of one cost; a thread done with its run takes the chunks left of the next run', () => {
  const one = (): number => 1;
  assert.equal(poolPass(192, 15, 'affine', one).busiest, poolPass(192, 15, 'static', one).busiest);
  // 15 threads, balanced chunks of 2: each thread runs its own 12 or 13 units in chunks, nothing else.
  const shares = poolShares(192, 15, 'affine', one);
  const runs = poolShares(192, 15, 'static', one);
  shares.forEach((mine, th) => {
    const [a, b] = runs[th]![0]!;
    assert.ok(mine.every(([u0, u1]) => u0 >= a && u1 <= b), `thread ${th} stays in its run`);
  });
  // Units 0-3 cost 3 and 4-7 cost 1 on 2 threads (chunks of 1): thread 1 ends its run at time 4 and takes unit 2
  // of thread 0's, which then ends at 9 where static's 12.
  const dear = (u: number): number => (u < 4 ? 3 : 1);
  assert.equal(poolShares(8, 2, 'affine', dear), [[[0, 1], [1, 2], [3, 4]], [[4, 5], [5, 6], [6, 7], [7, 8], [2, 3]]]);
  assert.equal([poolPass(8, 2, 'affine', dear).busiest, poolPass(8, 2, 'static', dear).busiest], [9, 12]);
});

test('linear slices keep the static split they were fitted with, whatever rule the run recorded', () => {
  const layer: Layer = { type: 'linear', M: 1, N: 768, K: 3072 };
  // AVX-512: 192 tiles of 4 rows, each 2 * 1 * 3072 * 4 flops; 13 on the busiest of 15 threads.
  const tile = 2 * 3072 * 4;
  const work = (chunking?: string) => cpuPaddedWork(layer, 768, 15, 'simd', 'avx512', undefined, undefined, chunking);
  assert.equal(work(), { flops: 192 * tile, flopsPerThread: 13 * tile });
  assert.equal(work('dynamic'), work());
  assert.equal(work('balanced'), work());
  assert.is(cpuFeatures(layer, 768, 15, 'simd', 'avx512', undefined, undefined, 'dynamic').values.paddedFlopsPerThread, 13 * tile);
});

test('conv with CONV_NARROW_LAYOUT: dynamic where no rule is recorded, the recorded rule where one is', () => {
  // 16 x 16 output, 72 channels, AVX-512 direct: 12 channel tiles of 6 x 16 output rows = 192 units of
  // 2 * 144 * 16 * 6 flops (Q 16 pays 16 columns): 16, 14 and 13 of them on the busiest of 15 threads.
  const conv: Layer = { type: 'conv2d', batch: 1, C: 16, H: 16, W: 16, F: 72, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  const unit = 2 * 144 * 16 * 6;
  const w = (chunking?: string) => cpuPaddedWork(conv, 72, 15, 'simd-direct', 'avx512', undefined, CONV_NARROW_LAYOUT, chunking);
  assert.equal(w(), { flops: 192 * unit, flopsPerThread: 16 * unit });
  assert.equal(w('dynamic'), w());
  assert.equal(w('balanced'), { flops: 192 * unit, flopsPerThread: 14 * unit });
  assert.equal(w('static'), { flops: 192 * unit, flopsPerThread: 13 * unit });
});

test('training rows and ranking price a slice with the chunking the run recorded', () => {
  const conv: Layer = { type: 'conv2d', batch: 1, C: 16, H: 16, W: 16, F: 72, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  const strategy: Strategy = { splitRatio: 1, granularity: 1, cpuThreads: 15, cpuImpl: 'simd-direct', gpuVariant: 'none', gpuWorkGroup: 0, sync: 'finish' };
  const job = { kind: 'layer', layer: conv, strategy, status: 'ok', verdict: 'VALID', stats: { medianNs: 1000 },
    resolved: { cpuRows: 72, gpuRows: 0, cpuImpl: 'simd-direct-avx512', cpuConvLayout: CONV_NARROW_LAYOUT, poolChunking: 'balanced' } } as unknown as LayerJob;
  const balanced = cpuFeatures(conv, 72, 15, 'simd-direct', 'avx512', undefined, CONV_NARROW_LAYOUT, 'balanced').values;
  assert.is(cpuRowsOf([job])[0]!.features.values.paddedFlopsPerThread, balanced.paddedFlopsPerThread);
  assert.is(trainingPoolChunking([job]), 'balanced');
  assert.is(trainingPoolChunking([{ ...job, resolved: { cpuRows: 72, gpuRows: 0 } } as LayerJob]), undefined);
  // A run with both kinds: conv's rule, whichever job comes first (linear's calls record affine since s24).
  const linearJob = { ...job, layer: { type: 'linear', M: 1, N: 64, K: 64 }, resolved: { cpuRows: 64, gpuRows: 0, poolChunking: 'affine' } } as unknown as LayerJob;
  assert.is(trainingPoolChunking([linearJob, job]), 'balanced');
  assert.is(trainingPoolChunking([linearJob]), 'affine');
  // A baseline pricing padded flops per thread only (1 ns each): its prediction is that feature itself.
  const cpu = {
    schemaVersion: 1, family: 'baseline', side: 'cpu', featureNames: [], groups: [], params: {}, nTrain: 1,
    trainingDataSha256: '0'.repeat(64), terms: ['paddedFlopsPerThread'], perGroup: {}, pooled: { coef: [1] },
  } as unknown as ModelFile;
  const composition = { dispatchNs: {}, dispatchPerByteNs: {}, syncNs: {}, cpuContention: 1, offsetNs: {} };
  const p = (cpuPoolChunking?: string): Predictor => ({
    family: 'baseline', cpu, gpu: cpu, composition, device: { computeUnits: 1 }, cpuIsa: 'avx512', cpuConvLayout: CONV_NARROW_LAYOUT,
    ...(cpuPoolChunking ? { cpuPoolChunking } : {}),
  });
  const unit = 2 * 144 * 16 * 6;
  assert.is(predictStrategy(p('balanced'), conv, strategy).cpuNs, 14 * unit);
  assert.is(predictStrategy(p(), conv, strategy).cpuNs, 16 * unit);  // none recorded with this layout: dynamic
});

test.run();
