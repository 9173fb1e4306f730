// gpuStreams k > 1 in the predictors: the chunks a GPU share is cut into (as the engine's MakeShareChunks
// cuts them), the copy / kernel pipeline over them, and the per-chunk cost the composition fits on training
// jobs with k > 1 (and leaves out without them).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobsFile, Layer, Strategy } from '../src/analysis/types.js';
import { COMPOSITION_SCHEMA, loadComposition, predictStrategy, type Composition } from '../src/predict/compose.js';
import { trainingJobs, type LayerJob } from '../src/predict/dataset.js';
import { trainPredictor } from '../src/predict/evaluate.js';
import { pipelineNs, streamChunks, streamedGpuNs, type StreamChunk } from '../src/predict/streams.js';

const conv = (over: Partial<Layer & { type: 'conv2d' }> = {}): Layer => ({
  type: 'conv2d', batch: 1, C: 2, H: 8, W: 5, F: 6, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, ...over,
} as Layer);

test('conv chunks along the output height carry their halo rows; padding rows are not copied', () => {
  // P = 8, two chunks of 4 output rows; a 3-row kernel with one padding row reads input rows 0-4 and 3-7.
  const chunks = streamChunks(conv(), {}, 0, 2);
  assert.equal(chunks.map((c) => c.outerRows), [4, 4]);
  for (const c of chunks) {
    assert.is(c.layer.type === 'conv2d' && c.layer.H, 6);  // (4 - 1) * 1 + 3, unpadded in height
    assert.is(c.layer.type === 'conv2d' && c.layer.padH, 0);
    assert.is(c.rows, 6);  // every channel (GPU-only)
    assert.is(c.transfer.inputBytes, 4 * 1 * 2 * 5 * 5);  // 5 real input rows of 2 planes of width 5
    assert.is(c.transfer.outputBytes, 4 * 6 * 4 * 5);  // 6 channels x 4 rows x Q = 5
  }
  // Stride 2, no padding, R = 3: P = 3, chunks of 2 and 1 rows reading input rows 0-4 and 4-6.
  const strided = streamChunks(conv({ H: 7, strideH: 2, padH: 0 }), {}, 0, 2);
  assert.equal(strided.map((c) => c.outerRows), [2, 1]);
  assert.equal(strided.map((c) => c.layer.type === 'conv2d' && c.layer.H), [5, 3]);
  assert.equal(strided.map((c) => c.transfer.inputBytes / (4 * 2 * 5)), [5, 3]);
});

test('a channel split streams the GPU\'s channels over every output row; a height split only the GPU\'s rows', () => {
  const byChannel = streamChunks(conv(), { splitDim: 'channels' }, 2, 2);
  assert.equal(byChannel.map((c) => [c.outerRows, c.rows]), [[4, 4], [4, 4]]);
  const byHeight = streamChunks(conv(), { splitDim: 'height' }, 5, 2);
  // Output rows 5-7 on the GPU: 2 + 1; the first reads input rows 4-7 (row 8 is padding), the second 6-7.
  assert.equal(byHeight.map((c) => [c.outerRows, c.rows]), [[2, 6], [1, 6]]);
  assert.equal(byHeight.map((c) => c.transfer.inputBytes / (4 * 2 * 5)), [4, 2]);
});

test('linear chunks split M unevenly as the engine does, and never into more chunks than rows', () => {
  const linear: Layer = { type: 'linear', M: 7, N: 10, K: 3 };
  const chunks = streamChunks(linear, {}, 4, 4);  // N split: the GPU has features 4..9
  assert.equal(chunks.map((c) => c.outerRows), [2, 2, 2, 1]);
  assert.equal(chunks.map((c) => c.transfer.inputBytes), [24, 24, 24, 12]);
  assert.equal(chunks.map((c) => c.transfer.outputBytes), [48, 48, 48, 24]);
  assert.equal(streamChunks(linear, { splitDim: 'm' }, 5, 4).map((c) => c.outerRows), [1, 1]);
  assert.equal(streamChunks(linear, { splitDim: 'm' }, 7, 4), []);
});

test('the pipeline: equal chunks cost in + kernel + out + (k - 1) x the slowest stage; uneven ones are walked', () => {
  const stage = (inNs: number, kernelNs: number, outNs: number) => ({ inNs, kernelNs, outNs });
  assert.is(pipelineNs([stage(3, 10, 5)]), 18);
  assert.is(pipelineNs(Array(4).fill(stage(3, 10, 5))), 18 + 3 * 10);
  assert.is(pipelineNs(Array(3).fill(stage(2, 4, 9))), 15 + 2 * 9);
  // Copy-in bound first chunk, then a long kernel: in 8 | kernel 8-9 | out 9-10; in 16 | kernel 16-36 | out 36-37.
  assert.is(pipelineNs([stage(8, 1, 1), stage(8, 20, 1)]), 37);
});

test('a streamed side: fixed once, the per-chunk cost for every chunk after the first, later kernels as far as they fill the GPU', () => {
  const chunks = streamChunks({ type: 'linear', M: 4, N: 8, K: 2 }, {}, 0, 2);
  const price = (fill: number): number => streamedGpuNs(chunks, {
    fixedNs: 100, perExtraChunkNs: 7, occupancy: () => fill,
    copyNs: (t) => ({ inNs: t.inputBytes, outNs: t.outputBytes / 2 }), kernelNs: (c: StreamChunk) => 10 * c.outerRows,
  });
  // Chunks of 2 rows: in 16 B -> 16, kernel 20, out 64 B -> 32. Full kernels: 16 + 20 + 32 + 32 = 100.
  assert.is(price(1), 100 + 7 + 100);
  assert.is(price(3), 100 + 7 + 100);  // a share above 1 is 1
  // Half-filling launches: the second kernel pays 10; the read-backs still bound the pipeline.
  assert.is(price(0.5), 100 + 7 + 100);
  const kernelBound = (fill: number | undefined, perExtraChunkNs = 0): number => streamedGpuNs(chunks, {
    fixedNs: 5, perExtraChunkNs, ...(fill === undefined ? {} : { occupancy: () => fill }),
    copyNs: () => ({ inNs: 1, outNs: 30 }), kernelNs: () => 50,
  });
  assert.is(kernelBound(undefined), 5 + 1 + 50 + 50 + 30);  // without an occupancy, kernels one after another
  assert.is(kernelBound(1), 5 + 1 + 50 + 50 + 30);
  assert.is(kernelBound(0.2), 5 + 1 + 50 + 30 + 30);  // the second kernel hides; the read-backs bound it
  assert.is(kernelBound(undefined, -20), 5 + 1 + 50 + 50 + 30 - 20);
  // A negative per-chunk cost never prices the side below the fixed cost and one direction's copies.
  assert.is(kernelBound(undefined, -1000), 5 + 2 * 30);
});

const fixture = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8')) as JobsFile;
const device = { computeUnits: 4 };
const roundTrips = fixture.rows.filter((j) => j.kind === 'roundtrip');
const training = trainingJobs(fixture.rows);

test('without k > 1 training jobs the composition has no streams and prices k = 2 as k = 1', () => {
  const p = trainPredictor('baseline', training, roundTrips, device);
  assert.is(p.composition.streams, undefined);
  const j = training.find((x) => x.phase === 'grid' && x.layer.type === 'linear' && x.layer.M === 8)!;
  assert.equal(predictStrategy(p, j.layer, { ...j.strategy, gpuStreams: 2 }), predictStrategy(p, j.layer, j.strategy));
});

test('with k > 1 grid jobs the per-chunk cost and the kernel overlap are recovered, kept, and change the k > 1 prices', () => {
  // Kernels one after another on a 4-unit device; by occupancy on a 1000-unit one (thin chunks fill little of it).
  const cases: Array<[NonNullable<Composition['streams']>, { computeUnits: number }]> = [
    [{ perChunkNs: 7000 }, device], [{ perChunkNs: -3000, occupancy: true }, { computeUnits: 1000 }],
  ];
  for (const [streams, dev] of cases) {
    const p = trainPredictor('baseline', training, roundTrips, dev);
    const truth = { ...p, composition: { ...p.composition, streams } };
    const streamed: LayerJob[] = [];
    for (const j of training.filter((x) => x.phase === 'grid' && x.layer.type === 'linear' && x.layer.M === 8 && x.strategy.sync === 'finish')) {
      for (const gpuStreams of [2, 4]) {
        const strategy: Strategy = { ...j.strategy, gpuStreams };
        const pred = predictStrategy(truth, j.layer, strategy);
        streamed.push({ ...j, jobId: `${j.jobId}/streams:${gpuStreams}`, strategy, gpuSideMedianNs: pred.gpuNs, stats: { ...j.stats!, medianNs: pred.composedNs } });
      }
    }
    assert.ok(streamed.length >= 12, String(streamed.length));
    const fitted = trainPredictor('baseline', [...training, ...streamed], roundTrips, dev).composition.streams;
    assert.ok(fitted !== undefined, 'streams kept');
    assert.is(fitted!.occupancy ?? false, streams.occupancy ?? false);
    assert.ok(Math.abs(fitted!.perChunkNs - streams.perChunkNs) < 1, `${fitted!.perChunkNs} for ${streams.perChunkNs}`);
    const j = streamed[1]!, withFit = { ...p, composition: { ...p.composition, streams: fitted! } };
    assert.is.not(predictStrategy(withFit, j.layer, j.strategy).gpuNs, predictStrategy(withFit, j.layer, { ...j.strategy, gpuStreams: 1 }).gpuNs);
  }
});

test('a composition with streams round-trips through its schema; old files load without; a bad one fails in one line', () => {
  const c: Composition = {
    dispatchNs: { finish: 15000 }, dispatchPerByteNs: { finish: { input: 0.016, output: 0.021 } }, syncNs: { finish: 3000 },
    cpuContention: 1, streams: { perChunkNs: 12345.5 }, offsetNs: { finish: 10 },
  };
  assert.equal(loadComposition(JSON.stringify(c)), c);
  const { streams: _drop, ...old } = c;
  assert.is(loadComposition(JSON.stringify(old)).streams, undefined);
  assert.ok('streams' in COMPOSITION_SCHEMA.properties);
  assert.equal(loadComposition(JSON.stringify({ ...c, streams: { perChunkNs: -9000, occupancy: true } })).streams, { perChunkNs: -9000, occupancy: true });
  for (const bad of [{ perChunkNs: '5' }, { perChunkNs: 5, extra: 1 }, {}, { perChunkNs: 5, occupancy: 'yes' }]) {
    try {
      loadComposition(JSON.stringify({ ...c, streams: bad }));
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (e) {
      assert.match((e as Error).message, /^composition file is invalid: \/streams/);
      assert.not.match((e as Error).message, /\n/);
    }
  }
});

test.run();
