// CPU features of small layers computed by hand from the engine's tiling (native/src/cpu) and the thread
// pool's split (the first count % t threads take one unit more), so a change to either shows up here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CONV_FLAT_AFFINE_LAYOUT, CONV_COLUMN_RUNS_LAYOUT, CONV_NARROW_LAYOUT, CONV_UNIT_COST_LAYOUT, LINEAR_FEW_ROWS_PANELS, LINEAR_PACKS_WEIGHTS, LINEAR_ROWS_2_PANELS, fewRowsPanelCols, narrowConvLayout, cpuCopyBytes, cpuCopyWork, cpuFeatures, cpuIsaOf, cpuPaddedWork, gpuFeatures, gpuGatherLoads,
  gpuInputLoads, openblasGemmThreads,
} from '../src/predict/features.js';
import type { Layer } from '../src/analysis/types.js';

const linear: Layer = { type: 'linear', M: 1, N: 10, K: 20 };
// 5x5 input, 3x3 kernel, stride 1, padding 1: P = Q = 5, C*R*S = 18.
const conv3x3: Layer = { type: 'conv2d', batch: 1, C: 2, H: 5, W: 5, F: 8, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
const conv1x1: Layer = { ...conv3x3, R: 1, S: 1, padH: 0, padW: 0 } as Layer;

test('an implementation name pins its ISA; plain names leave it open', () => {
  assert.is(cpuIsaOf('simd-im2col-avx2'), 'avx2');
  assert.is(cpuIsaOf('simd-avx512'), 'avx512');
  assert.is(cpuIsaOf('simd'), undefined);
  assert.is(cpuIsaOf('openblas-im2col'), undefined);
});

test('linear padded work: K rounded up to whole registers, column tiles split in contiguous runs', () => {
  // AVX-512: K 20 -> 32 floats; 10 rows in tiles of 4 -> 4, 4, 2 rows; 2 threads take 2 and 1 tiles.
  // A tile of r rows costs 2 * M * 32 * r = 64 r: total 64 * 10, busiest 64 * 8.
  assert.equal(cpuPaddedWork(linear, 10, 2, 'simd', 'avx512'), { flops: 640, flopsPerThread: 512 });
  // AVX2: K 20 -> 24; tiles of 3 -> 3, 3, 3, 1 rows; 2 tiles per thread; 48 r per tile: total 480, busiest 48 * 6.
  assert.equal(cpuPaddedWork(linear, 10, 2, 'simd-avx2'), { flops: 480, flopsPerThread: 288 });
  // The ISA in the name wins over the resolved one passed alongside.
  assert.equal(cpuPaddedWork(linear, 10, 2, 'simd-avx2', 'avx512'), { flops: 480, flopsPerThread: 288 });
});

const W = LINEAR_PACKS_WEIGHTS;

test('linear packed padded work: units (column panel of W^T, block of X rows), N paid in whole panels', () => {
  const tall: Layer = { type: 'linear', M: 40, N: 10, K: 20 };
  // AVX-512: 2 * 40 > 64 -> packed; 10 columns -> one panel of 64; blocks of 24 rows give 2 units, under 8 per
  // thread, so 18, 12, then 6 rows: 7 units (six of 6 rows, one of 4); 2 * 64 * 20 = 2560 per row; thread 0
  // takes the first 4 units (24 rows).
  assert.equal(cpuPaddedWork(tall, 10, 2, 'simd', 'avx512', W), { flops: 102400, flopsPerThread: 61440 });
  // Scalar: panels of 8 -> 2 panels; blocks shrink from 16 to 4 rows (one tile): 2 x 10 units of
  // 2 * 8 * 20 * 4 = 1280, ten per thread.
  assert.equal(cpuPaddedWork(tall, 10, 2, 'simd-scalar', undefined, W), { flops: 25600, flopsPerThread: 12800 });
  // 100 columns on AVX-512: 2 panels x 11 blocks of 6 rows (the last of 4); contiguous runs, panel-major, so
  // thread 0 takes all of panel 0.
  assert.equal(cpuPaddedWork({ type: 'linear', M: 64, N: 100, K: 1 }, 100, 2, 'simd', 'avx512', W),
    { flops: 2 * 2 * 64 * 64, flopsPerThread: 2 * 64 * 64 });
});

test('few rows of X with few-rows-panels: panels of 1, 2 or 4 registers within 5% of an even share, K exact', () => {
  // AVX-512 (16 floats a register), 2 threads: 1536 columns in 24 panels of 64, 12 a thread, even. 920: in 64s
  // 15 panels, the busiest thread 8 x 64 = 512 > 1.05 x 460; in 32s 29 panels, 15 x 32 = 480 <= 483. 200: in 64s
  // 2 x 64 = 128 a thread, in 32s 4 x 32 = 128, both > 105: one register.
  assert.equal([fewRowsPanelCols(1536, 2, 16), fewRowsPanelCols(920, 2, 16), fewRowsPanelCols(200, 2, 16)], [64, 32, 16]);
  assert.equal(fewRowsPanelCols(1536, 8, 16), 64);
  const gemv: Layer = { type: 'linear', M: 1, N: 1000, K: 20 };
  // 200 columns on 2 threads: 13 panels of 16 (the last zero-padded), 7 on thread 0; 2 * 16 * 20 = 640 each.
  assert.equal(cpuPaddedWork(gemv, 200, 2, 'simd', 'avx512', LINEAR_FEW_ROWS_PANELS), { flops: 8320, flopsPerThread: 4480 });
  // 640 columns on 2 threads: 10 panels of 64 (2 * 64 * 20 = 2560 each), 5 a thread.
  assert.equal(cpuPaddedWork(gemv, 640, 2, 'simd', 'avx512', LINEAR_FEW_ROWS_PANELS), { flops: 25600, flopsPerThread: 12800 });
  // M = 8: the same panels, 8 rows each.
  assert.equal(cpuPaddedWork({ ...gemv, M: 8 }, 640, 2, 'simd', 'avx512', LINEAR_FEW_ROWS_PANELS), { flops: 204800, flopsPerThread: 102400 });
  // rows-2-panels: the same from M = 2 on; a GEMV keeps the dot form's tiles of W rows.
  assert.equal(cpuPaddedWork({ ...gemv, M: 8 }, 640, 2, 'simd', 'avx512', LINEAR_ROWS_2_PANELS), { flops: 204800, flopsPerThread: 102400 });
  assert.equal(cpuPaddedWork(gemv, 200, 2, 'simd', 'avx512', LINEAR_ROWS_2_PANELS), cpuPaddedWork(gemv, 200, 2, 'simd', 'avx512'));
  // Runs before few-rows-panels keep the dot form's tiles of W rows; more rows of X keep the packed GEMM's units.
  assert.equal(cpuPaddedWork(gemv, 200, 2, 'simd', 'avx512', W), cpuPaddedWork(gemv, 200, 2, 'simd', 'avx512'));
  const tall: Layer = { type: 'linear', M: 40, N: 10, K: 20 };
  assert.equal(cpuPaddedWork(tall, 10, 2, 'simd', 'avx512', LINEAR_FEW_ROWS_PANELS), cpuPaddedWork(tall, 10, 2, 'simd', 'avx512', W));
});

test('linear packed padded work of runs before weights-per-job: units (group of W rows, panel of m)', () => {
  const tall: Layer = { type: 'linear', M: 40, N: 10, K: 20 };
  // AVX-512: M 40 -> one panel of 64; a group of 48 rows is one unit for two threads, halved to 24, 12, then
  // 6: units of 6 and 4 rows, one per thread; 2 * 64 * 20 = 2560 per row.
  assert.equal(cpuPaddedWork(tall, 10, 2, 'simd', 'avx512'), { flops: 25600, flopsPerThread: 15360 });
  // Scalar: panels of 8 -> 5 panels; one group of 32 rows covers all 10: 5 units of 3200, three on thread 0.
  assert.equal(cpuPaddedWork(tall, 10, 2, 'simd-scalar'), { flops: 16000, flopsPerThread: 9600 });
});

test('conv flat padded work: chunks of the flattened [P][W + 2 padW] plane in whole column tiles', () => {
  // AVX-512: plane 5 x 7 = 35 floats -> 1 column tile of 64; 2 channel tiles; one chunk; 2 units, one per
  // thread: tile 0 (6 rows) and tile 1 (2 rows); unit = 2 * 18 * 64 * rows.
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'simd-flat', 'avx512'), { flops: 18432, flopsPerThread: 13824 });
  // AVX2: 35 -> 3 tiles of 16; wanted chunks ceil(16 / 2) = 8 -> chunks of 1 tile: 3 chunks (16, 16, 3 -> 16).
  // Weights 8 * 18 > input 2 * 7 * 7: chunks fastest; 6 units, 3 per thread: thread 0 tile 0 (6 rows) x 3
  // chunks, thread 1 tile 1 (2 rows) x 3; unit = 2 * 18 * 16 * rows = 576 rows.
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'simd-flat-avx2'), { flops: 13824, flopsPerThread: 10368 });
  // A strided layer runs as simd-direct.
  const strided = { ...conv3x3, strideH: 2, strideW: 2 } as Layer;
  assert.equal(cpuPaddedWork(strided, 8, 2, 'simd-flat', 'avx512'), cpuPaddedWork(strided, 8, 2, 'simd-direct', 'avx512'));
});

test('conv direct padded work: Q paid in whole column tiles, units (image, channel tile, output row)', () => {
  // AVX-512: channel tiles of 6 -> 6 and 2 rows; Q 5 -> 32 columns; unit = 2 * 18 * 32 * rows = 1152 rows.
  // 2 tiles x 5 output rows = 10 units, 5 per thread: thread 0 has tile 0 (6 rows), thread 1 tile 1 (2 rows).
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'simd-direct', 'avx512'), { flops: 46080, flopsPerThread: 34560 });
});

test('conv direct padded work: the wide tile where it pads Q no further', () => {
  // Q = 50: 64 columns in two 32-column tiles or one 64-column tile; either way 64. C*R*S = 2, 6 rows, 1 unit.
  const row50: Layer = { type: 'conv2d', batch: 1, C: 2, H: 1, W: 50, F: 6, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  assert.equal(cpuPaddedWork(row50, 6, 1, 'simd-direct', 'avx512'), { flops: 1536, flopsPerThread: 1536 });
  // NEON: 16-column tiles pay 64, 24-column tiles 72: the narrow tile's 64 counts.
  assert.equal(cpuPaddedWork(row50, 6, 1, 'simd-direct-neon'), { flops: 1536, flopsPerThread: 1536 });
});

test('conv im2col padded work: P*Q paid in whole panels, channels chunked for the least busiest-thread work', () => {
  // AVX-512: one panel of 64 columns (P*Q = 25); 2 row tiles of 6; chunks of 1 tile leave 1 tile on the
  // busiest thread (2 tiles in one chunk: 2) -> 2 chunks holding 6 and 2 rows; unit = 2 * 18 * 64 * rows =
  // 2304 rows, one unit per thread.
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'simd-im2col', 'avx512'), { flops: 18432, flopsPerThread: 13824 });
});

test('conv padded work with cpuConvLayout narrow-panels,unpadded-in-place: a last tile pays its columns to the vector width', () => {
  const L = 'narrow-panels,unpadded-in-place';
  // im2col, AVX-512: the one panel of P*Q = 25 computes 32 columns, not 64: unit = 2 * 18 * 32 * rows.
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'simd-im2col', 'avx512', undefined, L), { flops: 9216, flopsPerThread: 6912 });
  // direct: Q = 5 -> 16 columns; unit = 2 * 18 * 16 * rows. The slice's weights (8 x 18) are smaller than the
  // padded input, so the channel tile runs fastest; the pool's dynamic chunks of ceil(10 / 8) = 2 units are one
  // output row's two tiles (6 + 2 rows, 4608 flops), claimed in turn: thread 0 runs 3 of the 5, thread 1 runs 2.
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'simd-direct', 'avx512', undefined, L), { flops: 23040, flopsPerThread: 13824 });
  // flat: the one chunk of 35 flattened outputs computes 48 columns: unit = 2 * 18 * 48 * rows.
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'simd-flat', 'avx512', undefined, L), { flops: 13824, flopsPerThread: 10368 });
  // Earlier runs (no layout) keep whole tiles.
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'simd-im2col', 'avx512', undefined, undefined), { flops: 18432, flopsPerThread: 13824 });
});

test('copy bytes with cpuConvLayout: direct (column stride 1) and flat read an unpadded input in place', () => {
  const L = 'narrow-panels,unpadded-in-place';
  assert.is(cpuCopyBytes(conv1x1, 'simd-direct', L), 0);
  assert.is(cpuCopyBytes(conv1x1, 'simd-flat', L), 0);
  assert.is(cpuCopyBytes(conv1x1, 'simd-direct'), 4 * 2 * 5 * 5);
  assert.is(cpuCopyBytes(conv3x3, 'simd-direct', L), 4 * 2 * 7 * 7);
  // Column stride 2 still copies (phase split); flat runs a strided layer as direct.
  const strided = { ...conv1x1, strideH: 2, strideW: 2 } as Layer;
  assert.is(cpuCopyBytes(strided, 'simd-direct', L), 4 * 2 * 5 * 5);
  assert.is(cpuCopyBytes(strided, 'simd-flat', L), 4 * 2 * 5 * 5);
});

test('im2col split-K with cpuConvLayout: fewer panels than threads split C*R*S, the busiest thread computes one part', () => {
  // C8 4x4, 3x3, padding 1: P*Q = 16 positions, one panel of 64 on AVX-512 (computed to 16 columns, narrow);
  // C*R*S = 72. On 4 threads the single panel is under a panel per thread (not fused); a part per thread
  // would be 4, but parts keep at least 32 K rows: 2 parts of 36 rows. The shared unroll would move 1 chunk x 72
  // rows, more than 2 x 2 parts x 6 rows, so SimdIm2col splits K.
  const small: Layer = { type: 'conv2d', batch: 1, C: 8, H: 4, W: 4, F: 6, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  // Units (panel, part): 2, one per thread (chunks of 1 unit); each computes all 6 rows over its 36 K rows and
  // 16 columns: 2 * 6 * 36 * 16 = 6912 flops. The whole K on one thread would be twice that.
  assert.equal(cpuPaddedWork(small, 6, 4, 'simd-im2col', 'avx512', undefined, CONV_NARROW_LAYOUT), { flops: 13824, flopsPerThread: 6912 });
  // Copies: each unit unrolls 36 rows x 16 columns (576 floats); the sum pass, one unit per output row (6),
  // reads 2 parts x 16 columns per row; 6 units on 4 threads leave 2 on the busiest: 64 floats.
  const copy = cpuCopyWork(small, 6, 4, 'simd-im2col', 'avx512', CONV_NARROW_LAYOUT);
  assert.is(copy.bytes, 4 * (2 * 576 + 6 * 32));
  assert.is(copy.bytesPerThread, 4 * (576 + 64));
  // A unit reads the slice's weights over its K rows (6 x 36) and stores its partial block (6 x 16).
  assert.is(copy.readBytesPerThread, 4 * (6 * 36 + 6 * 16));
  // Two ParallelFor passes (parts, then their sum).
  assert.is(copy.passes, 2);
  assert.is(cpuFeatures(small, 6, 4, 'simd-im2col', 'avx512', undefined, CONV_NARROW_LAYOUT).values.poolJoins, 8);
});

test('conv im2col chunk under cpuConvLayout im2col-unit-cost: a quarter tile per unit keeps whole channel chunks', () => {
  // C64 56x56 3x3 on 2 threads (AVX-512: 6-row tiles, 64-column panels): 49 panels x 11 tiles. Counting tiles
  // alone, one-tile chunks (539 units) give the busiest thread 270 units, 24 whole panels and 6 tiles of a 25th:
  // 1572 panel rows of 2 x 576 x 64 flops. With a quarter tile per unit the whole chunk wins (25 x 11.25 against
  // 270 x 1.25 tiles): 25 whole panels of 64 rows, 1600 panel rows.
  const layer: Layer = { type: 'conv2d', batch: 1, C: 64, H: 56, W: 56, F: 64, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  const perPanelRow = 2 * 576 * 64;
  assert.is(cpuPaddedWork(layer, 64, 2, 'simd-im2col', 'avx512', undefined, CONV_NARROW_LAYOUT, 'static').flopsPerThread, 1572 * perPanelRow);
  assert.is(cpuPaddedWork(layer, 64, 2, 'simd-im2col', 'avx512', undefined, CONV_UNIT_COST_LAYOUT, 'static').flopsPerThread, 1600 * perPanelRow);
  // Both layouts keep the narrow layout's other rules (an in-place 1x1 reads X: no copy).
  const plain: Layer = { ...layer, R: 1, S: 1, padH: 0, padW: 0 };
  assert.is(cpuCopyBytes(plain, 'simd-flat', CONV_UNIT_COST_LAYOUT), cpuCopyBytes(plain, 'simd-flat', CONV_NARROW_LAYOUT));
  assert.ok(narrowConvLayout(CONV_UNIT_COST_LAYOUT) && narrowConvLayout(CONV_NARROW_LAYOUT) && !narrowConvLayout(undefined));
});

test('conv under cpuConvLayout flat-pad-affine: the unit-cost rules, and simd-flat padded passes under the affine rule', () => {
  const layer: Layer = { type: 'conv2d', batch: 1, C: 64, H: 56, W: 56, F: 64, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  assert.ok(narrowConvLayout(CONV_FLAT_AFFINE_LAYOUT));
  // im2col keeps the unit cost.
  assert.equal(cpuPaddedWork(layer, 64, 2, 'simd-im2col', 'avx512', undefined, CONV_FLAT_AFFINE_LAYOUT, 'static'),
    cpuPaddedWork(layer, 64, 2, 'simd-im2col', 'avx512', undefined, CONV_UNIT_COST_LAYOUT, 'static'));
  // simd-flat on the padded plane: the same flops; its copy rows and compute units now go to the threads by the affine
  // rule (here, on 2 threads, the same halves as static), whatever the job's recorded rule.
  const affine = cpuPaddedWork(layer, 64, 2, 'simd-flat', 'avx512', undefined, CONV_FLAT_AFFINE_LAYOUT, 'dynamic');
  assert.is(affine.flops, cpuPaddedWork(layer, 64, 2, 'simd-flat', 'avx512', undefined, CONV_UNIT_COST_LAYOUT, 'dynamic').flops);
  assert.equal(affine, cpuPaddedWork(layer, 64, 2, 'simd-flat', 'avx512', undefined, CONV_UNIT_COST_LAYOUT, 'affine'));
  // An unpadded plane is read in place, as before.
  const plain: Layer = { ...layer, R: 1, S: 1, padH: 0, padW: 0 };
  assert.equal(cpuPaddedWork(plain, 64, 2, 'simd-flat', 'avx512', undefined, CONV_FLAT_AFFINE_LAYOUT, 'dynamic'),
    cpuPaddedWork(plain, 64, 2, 'simd-flat', 'avx512', undefined, CONV_UNIT_COST_LAYOUT, 'dynamic'));
});

test('conv under cpuConvLayout 1x1-column-runs: simd-im2col gives each thread one run of a plain 1x1 plane', () => {
  const plain: Layer = { type: 'conv2d', batch: 1, C: 64, H: 56, W: 56, F: 64, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  assert.ok(narrowConvLayout(CONV_COLUMN_RUNS_LAYOUT));
  // C64 56x56 1x1 on 8 threads (AVX-512: 16-float vectors, 64-column panels): 3136 positions are 196 vectors, runs of
  // 24 or 25 (the first four 25). Under 64-column panels the busiest thread takes 7 of the 49 panels, 448 columns;
  // in runs 400.
  const flopsPerColumn = 2 * 64 * 64;
  assert.is(cpuPaddedWork(plain, 64, 8, 'simd-im2col', 'avx512', undefined, CONV_FLAT_AFFINE_LAYOUT, 'balanced').flopsPerThread, 448 * flopsPerColumn);
  const runs = cpuPaddedWork(plain, 64, 8, 'simd-im2col', 'avx512', undefined, CONV_COLUMN_RUNS_LAYOUT, 'balanced');
  assert.is(runs.flopsPerThread, 400 * flopsPerColumn);
  assert.is(runs.flops, 3136 * flopsPerColumn);
  // Two images of 9x40 (360 positions, 22.5 vectors each: the last vector of a plane is computed whole) on 3 threads:
  // 46 vectors in runs of 16, 15, 15; the second run crosses into image 1 (vectors 16-22 of image 0, 0-7 of image 1).
  const two: Layer = { ...plain, batch: 2, C: 6, H: 9, W: 40, F: 8 };
  const twoRuns = cpuPaddedWork(two, 8, 3, 'simd-im2col', 'avx512', undefined, CONV_COLUMN_RUNS_LAYOUT, 'balanced');
  assert.is(twoRuns.flops, 2 * 6 * 8 * 2 * 368);
  assert.is(twoRuns.flopsPerThread, 2 * 6 * 8 * 16 * 16);
  // Too few vectors for a tile's width per thread (C320 7x7: 4 vectors), a padded layer, or one thread: the rules before.
  const late: Layer = { ...plain, C: 320, H: 7, W: 7, F: 1280 };
  assert.equal(cpuPaddedWork(late, 1280, 8, 'simd-im2col', 'avx512', undefined, CONV_COLUMN_RUNS_LAYOUT, 'balanced'),
    cpuPaddedWork(late, 1280, 8, 'simd-im2col', 'avx512', undefined, CONV_FLAT_AFFINE_LAYOUT, 'balanced'));
  const padded: Layer = { ...plain, R: 3, S: 3, padH: 1, padW: 1 };
  assert.equal(cpuPaddedWork(padded, 64, 8, 'simd-im2col', 'avx512', undefined, CONV_COLUMN_RUNS_LAYOUT, 'balanced'),
    cpuPaddedWork(padded, 64, 8, 'simd-im2col', 'avx512', undefined, CONV_FLAT_AFFINE_LAYOUT, 'balanced'));
  assert.equal(cpuPaddedWork(plain, 64, 1, 'simd-im2col', 'avx512', undefined, CONV_COLUMN_RUNS_LAYOUT, 'balanced'),
    cpuPaddedWork(plain, 64, 1, 'simd-im2col', 'avx512', undefined, CONV_FLAT_AFFINE_LAYOUT, 'balanced'));
});

test('direct in place with cpuConvLayout: the last rows whose tiles would read past X are copied serially', () => {
  // C8 10x10 1x1: Q = 10 runs the 32-column tile (the 64-column one pads more); a row's last tile reads up to
  // 32 + S - 2 floats from its start, so output rows 7-9 would read past the plane's 100 floats: their 3 input
  // rows are copied, each padded to Wq = 32, on the calling thread (all of it on the critical path).
  const plain: Layer = { type: 'conv2d', batch: 1, C: 8, H: 10, W: 10, F: 16, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  const copy = cpuCopyWork(plain, 16, 4, 'simd-direct', 'avx512', CONV_NARROW_LAYOUT);
  assert.is(copy.bytes, 4 * 8 * 3 * 32);
  assert.is(copy.bytesPerThread, copy.bytes);
  assert.is(copy.passes, 1);
  // Earlier runs: the whole input's padded copy, shared evenly, one pass.
  assert.equal(cpuCopyWork(plain, 16, 4, 'simd-direct', 'avx512'), { bytes: 4 * 8 * 10 * 10, bytesPerThread: 4 * 8 * 10 * 10 / 4, readBytesPerThread: 0, passes: 1, tileLoadsPerThread: 0 });
});

test('a height split\'s CPU side reads the whole layer\'s X: a tail copy only where its reads reach X\'s end', () => {
  // C8 10x10 1x1 in place. The CPU side of a split along the output height computes output rows [0, p1) of the
  // whole layer, priced as the layer of p1 rows (sideSlice: H = p1). Alone, that layer's last rows would read past
  // its own end; inside the whole X the GPU's rows follow them.
  const plain: Layer = { type: 'conv2d', batch: 1, C: 8, H: 10, W: 10, F: 16, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  const rowsOf = (p1: number): Layer => ({ ...plain, H: p1 });
  const copied = (layer: Layer, impl: string, whole?: Layer): number =>
    cpuCopyWork(layer, 16, 1, impl, 'avx512', CONV_NARROW_LAYOUT, undefined, whole).bytes;
  // Direct, 32-column tiles (Q = 10): alone, 5 rows of a 50-float plane copy rows 2-4 (8 x 3 x Wq 32); inside the
  // whole layer only its rows 7-9 would read past X, none of them the CPU's.
  assert.is(copied(rowsOf(5), 'simd-direct'), 4 * 8 * 3 * 32);
  assert.is(copied(rowsOf(5), 'simd-direct', plain), 0);
  // 8 CPU rows include rows 7-9's first: rows 7-9 of X are copied, as for the whole layer.
  assert.is(copied(rowsOf(8), 'simd-direct', plain), 4 * 8 * 3 * 32);
  assert.is(copied(plain, 'simd-direct'), 4 * 8 * 3 * 32);
  // Flat, 64-float chunks of the flattened plane (3 channel tiles on 1 thread: 3 chunks wanted, one tile each).
  // Alone, 5 rows are one chunk whose tile reads 64 floats of a 50-float plane: all 5 rows copied (8 x 5 x 10);
  // inside the whole X (100 floats) nothing.
  assert.is(copied(rowsOf(5), 'simd-flat'), 4 * 8 * 5 * 10);
  assert.is(copied(rowsOf(5), 'simd-flat', plain), 0);
  // 9 rows: the second chunk (from float 64, row 6) reads to 128, past the whole X too: rows 6-9 copied, as for the
  // whole layer (alone: rows 6-8).
  assert.is(copied(rowsOf(9), 'simd-flat', plain), 4 * 8 * 4 * 10);
  assert.is(copied(rowsOf(9), 'simd-flat'), 4 * 8 * 3 * 10);
  assert.is(copied(plain, 'simd-flat'), 4 * 8 * 4 * 10);
  // A padded whole layer is padded, never read in place, whatever the slice's own padding (sideSlice sets padH 0).
  const padded: Layer = { ...plain, R: 3, padH: 1 } as Layer;
  const slice = { ...padded, H: 4 + 3 - 1, padH: 0 } as Layer;
  assert.is(cpuCopyWork(slice, 16, 1, 'simd-flat', 'avx512', CONV_NARROW_LAYOUT, undefined, padded).passes, 2);
  assert.is(cpuCopyWork(slice, 16, 1, 'simd-flat', 'avx512', CONV_NARROW_LAYOUT).passes, 1);
});

test('OpenBLAS executes the true flops on the threads its GEMM partition uses', () => {
  // 2 * P*Q * rows * C*R*S = 2 * 25 * 8 * 18; m*n*k = 25 * 8 * 18 is far under OpenBLAS's 65536 * 4: one thread.
  assert.equal(cpuPaddedWork(conv3x3, 8, 2, 'openblas-im2col'), { flops: 7200, flopsPerThread: 7200 });
  // C256 14x14 3x3 on 15 threads: m = P*Q = 196 parts of >= 32 rows: 15 -> 7 -> 3 threads along m; n = rows.
  const c256: Layer = { type: 'conv2d', batch: 1, C: 256, H: 14, W: 14, F: 256, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  const flops = 2 * 196 * 64 * 2304;
  // 64 rows < 32 * 3: one part along n, 3 threads in all.
  assert.equal(cpuPaddedWork(c256, 64, 15, 'openblas-im2col'), { flops, flopsPerThread: flops / 3 });
  // 256 rows: ceil(256 / 96) = 3 parts along n, 9 threads.
  assert.equal(cpuPaddedWork(c256, 256, 15, 'openblas-im2col').flopsPerThread, (4 * flops) / 9);
  // Linear M = 1 is a GEMV, split evenly unless rows * K < 2304 * 4; M > 1 a GEMM with m = rows, n = M.
  assert.equal(cpuPaddedWork({ type: 'linear', M: 1, N: 3072, K: 768 }, 1536, 15, 'openblas').flopsPerThread, (2 * 1536 * 768) / 15);
  assert.equal(cpuPaddedWork({ type: 'linear', M: 1, N: 64, K: 64 }, 64, 15, 'openblas').flopsPerThread, 2 * 64 * 64);
  // m = 100 rows: 15 -> 7 -> 3 threads along m (100 >= 96); n = M = 64 < 96: 3 threads.
  assert.equal(cpuPaddedWork({ type: 'linear', M: 64, N: 3072, K: 768 }, 100, 15, 'openblas').flopsPerThread, (2 * 64 * 100 * 768) / 3);
});

test('openblasGemmThreads: parts along m of at least the switch ratio, along n capped by the threads left', () => {
  assert.is(openblasGemmThreads(3136, 16, 64, 15), 15);  // m splits 15 ways, n = 16 < 32 * 15 stays whole
  assert.is(openblasGemmThreads(64, 384, 1152, 15), 12);  // m = 64 < 96: 1 part; n: ceil(384 / 32) = 12
  assert.is(openblasGemmThreads(64, 1024, 1152, 15), 15); // n: ceil(1024 / 32) = 32, capped at 15 / 1
  assert.is(openblasGemmThreads(63, 1024, 1152, 15), 15); // m < 2 * 32: never split
  assert.is(openblasGemmThreads(196, 256, 2304, 1), 1);
  assert.is(openblasGemmThreads(196, 256, 2304, 8), 8);   // m: 8 -> 4 (196 >= 128), n: ceil(256 / 128) = 2
});

test('copy bytes: im2col unrolls, direct pads, a plain 1x1 layer is read in place, linear copies nothing', () => {
  assert.is(cpuCopyBytes(conv3x3, 'simd-im2col'), 4 * 18 * 25);
  assert.is(cpuCopyBytes(conv3x3, 'openblas-im2col'), 4 * 18 * 25);
  assert.is(cpuCopyBytes(conv3x3, 'simd-direct'), 4 * 2 * 7 * 7);
  assert.is(cpuCopyBytes(conv3x3, 'simd-flat'), 4 * 2 * 7 * 7);
  assert.is(cpuCopyBytes(conv1x1, 'openblas-im2col'), 0);
  // Our GEMM reads a plain 1x1 input in place too.
  assert.is(cpuCopyBytes(conv1x1, 'simd-im2col'), 0);
  assert.is(cpuCopyBytes(linear, 'simd'), 0);
});

test('cpuFeatures carries the hand-computed values and the per-thread shares', () => {
  const f = cpuFeatures(conv3x3, 8, 2, 'simd-direct', 'avx512');
  assert.is(f.group, 'conv2d:simd-direct');
  assert.is(f.values.flops, 7200);
  assert.is(f.values.flopsPerThread, 3600);
  assert.is(f.values.rowsPerThread, 4);
  assert.is(f.values.reduction, 18);
  assert.is(f.values.copyBytesPerThread, 196);
  assert.is(f.values.weightBytes, 4 * 8 * 18);
  assert.is(f.values.paddedFlopsPerThread, 34560);
  assert.is(f.values.weightBytesPerThread, 4 * 4 * 18);
});

test('weightBytesPerThread: the busiest thread\'s rows times the reduction, fp32', () => {
  // vgg16 fc7 at M = 1 on 8 threads: 512 rows of 4096 floats each, 8 MiB per thread.
  assert.is(cpuFeatures({ type: 'linear', M: 1, N: 4096, K: 4096 }, 4096, 8, 'simd').values.weightBytesPerThread, 8 << 20);
  // 100 rows on 3 threads: the busiest thread has 34.
  assert.is(cpuFeatures({ type: 'linear', M: 8, N: 100, K: 768 }, 100, 3, 'simd').values.weightBytesPerThread, 4 * 34 * 768);
});

test('gpuGatherLoads: conv_pq_1x1\'s partial position block gathers VN * VW floats per channel block and input channel', () => {
  // C 3, 5 x 7 = 35 positions in blocks of 8 x 2 = 16: the third block holds 3, so it gathers. 20 channels in
  // blocks of RF 4 -> 5 channel blocks, each over 3 input channels: 5 x 3 x 16 = 240 floats.
  const conv: Layer = { type: 'conv2d', batch: 2, C: 3, H: 5, W: 7, F: 32, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  assert.is(gpuGatherLoads(conv, 20, 'conv_pq_1x1_v8x2_f4'), 240);
  // 4 x 8 = 32 positions: two whole blocks, nothing gathered; other variants clamp row pointers only.
  assert.is(gpuGatherLoads({ ...conv, H: 4, W: 8 } as Layer, 20, 'conv_pq_1x1_v8x2_f4'), 0);
  assert.is(gpuGatherLoads(conv, 20, 'conv_reg_1x1_v8x2_q4'), 0);
  assert.is(gpuGatherLoads(conv, 0, 'conv_pq_1x1_v8x2_f4'), 0);
  assert.is(gpuFeatures(conv, 20, 'conv_pq_1x1_v8x2_f4', 1, { computeUnits: 2 }).values.gatherLoads, 240);
});

test('gpuInputLoads: conv_reg loads (RQ - 1) * strideW + S input columns per filter row inside the input, checked tiles twice', () => {
  // 5x5, 3x3, pad 1: P = Q = 5. Filter rows inside the input over the 5 output rows: 2 + 3 + 3 + 3 + 2 = 13.
  // RQ 4: 6 columns per filter row; q blocks at 0 (column -1: padding) and 4 (columns 3..8, past W = 5) are both
  // checked, 2 x 6 each. 8 channels in blocks of VN * VW = 4: 2 blocks, each over C = 2 channels: 2 x 2 x 13 x 24.
  const conv: Layer = { type: 'conv2d', batch: 1, C: 2, H: 5, W: 5, F: 8, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  assert.is(gpuInputLoads(conv, 8, 'conv_reg_v4_q4'), 1248);
  // 1x1 over 2 x 16 positions, no tile reaching past W: every input float once per channel block (3 x 2 x 16).
  const plain: Layer = { type: 'conv2d', batch: 1, C: 3, H: 2, W: 16, F: 4, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  assert.is(gpuInputLoads(plain, 4, 'conv_reg_v4_q4'), 96);
  assert.is(gpuInputLoads(plain, 4, 'conv_reg_1x1_v4_q4'), 0);
  assert.is(gpuFeatures(conv, 8, 'conv_reg_v4_q4', 1, { computeUnits: 2 }).values.inputLoads, 1248);
});

test('tileLoadsPerThread: a direct register tile loads its input vectors and broadcasts its channels\' weights per tap', () => {
  // conv3x3 (C 2, 5x5, pad 1): P = Q = 5, C*R*S = 18. AVX-512: the narrow tile (32 columns) pads Q = 5 less than the
  // wide one; 5 columns are a tail tile of one vector. 8 channels: tiles of 6 and 2. A unit (channel tile, output
  // row) loads 18 x (1 vector + 1 tile x its channels): 5 rows x 18 x 7 + 5 rows x 18 x 3 on one thread.
  const f = cpuFeatures(conv3x3, 8, 1, 'simd-direct', 'avx512', undefined, CONV_NARROW_LAYOUT).values;
  assert.is(f.tileLoadsPerThread, 5 * 18 * 7 + 5 * 18 * 3);
  // Runs without cpuConvLayout and other implementations: none.
  assert.is(cpuFeatures(conv3x3, 8, 1, 'simd-direct', 'avx512').values.tileLoadsPerThread, 0);
  assert.is(cpuFeatures(conv3x3, 8, 1, 'simd-im2col', 'avx512', undefined, CONV_NARROW_LAYOUT).values.tileLoadsPerThread, 0);
});

test('flat (stride 1) reads: a chunk\'s input window, a tile\'s weights, the unit\'s outputs', () => {
  // conv3x3 (C 2, 5x5, pad 1) on AVX-512, 8 channels, one thread: the flattened padded plane is P x Wp = 5 x 7 = 35
  // floats, one chunk of 64 (one wide tile); tiles of 6 and 2 channels; C*R*S = 18 > C*Hp*Wp / rows: chunk fastest.
  // Unit 0 reads the chunk's window, 2 x (35 + (R - 1) x 7 + S - 1) = 102, tile 0's weights 6 x 18 and writes 6 x 35;
  // unit 1 stays on that chunk: tile 1's weights 2 x 18 and its outputs 2 x 35. 4 bytes a float.
  const f = cpuFeatures(conv3x3, 8, 1, 'simd-flat', 'avx512', undefined, CONV_NARROW_LAYOUT).values;
  assert.is(f.readBytesPerThread, 4 * (102 + 108 + 210 + 36 + 70));
  // Two threads: a unit each, each reading the window.
  assert.is(cpuFeatures(conv3x3, 8, 2, 'simd-flat', 'avx512', undefined, CONV_NARROW_LAYOUT).values.readBytesPerThread, 4 * (102 + 108 + 210));
  // Runs without cpuConvLayout keep the older rules: nothing read is priced.
  assert.is(cpuFeatures(conv3x3, 8, 1, 'simd-flat', 'avx512').values.readBytesPerThread, 0);
});

test('OpenBLAS conv: the output floats its GEMM writes, per thread of its partition', () => {
  // conv3x3: P*Q = 25 output positions x 8 rows, a GEMM OpenBLAS runs on one thread.
  assert.is(cpuFeatures(conv3x3, 8, 2, 'openblas-im2col', undefined, undefined, CONV_NARROW_LAYOUT).values.readBytesPerThread, 4 * 25 * 8);
  // Runs without cpuConvLayout keep their models: not priced.
  assert.is(cpuFeatures(conv3x3, 8, 2, 'openblas-im2col').values.readBytesPerThread, 0);
  // C256 14x14 3x3, 64 rows on 15 threads: OpenBLAS uses 3 (the test above), each writing a third of 196 x 64.
  const c256: Layer = { type: 'conv2d', batch: 1, C: 256, H: 14, W: 14, F: 256, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  assert.is(cpuFeatures(c256, 64, 15, 'openblas-im2col', undefined, undefined, CONV_NARROW_LAYOUT).values.readBytesPerThread, 4 * 196 * 64 / 3);
  // Linear slices are not affected.
  assert.is(cpuFeatures(linear, 10, 2, 'openblas').values.readBytesPerThread, 0);
});

test.run();

test('a resident worker keeps its contiguous chunk of the launch: ceil(groups / workers) groups of bytes', async () => {
  const { residentBytesPerWorker, gpuFeatures } = await import('../src/predict/features.js');
  assert.is(residentBytesPerWorker(7000, 7, 7), 1000);
  assert.is(residentBytesPerWorker(9600, 96, 7), 1400);  // chunks of 14 groups
  assert.is(residentBytesPerWorker(300, 3, 7), 100);      // fewer groups than workers: one each
  const layer = { type: 'linear' as const, M: 1, N: 768, K: 768 };
  assert.is(gpuFeatures(layer, 768, 'linear_reg_v16x2_m1', 1, { computeUnits: 7 }, 'finish').values.residentBytesPerWorker, 0);
  assert.ok(gpuFeatures(layer, 768, 'linear_reg_v16x2_m1', 1, { computeUnits: 7 }, 'svm-resident').values.residentBytesPerWorker! > 0);
});
