// Register-tiled variant ids (the engine parses the same grammar, native/src/plan.cpp), the expansion of a
// space's families into concrete variants, the pruning of padding-only tiles, and their GPU geometry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandVariantFamilies, familyProblem, parseLocalTileVariant, parseRegTileVariant, regTileVariantId, regTileWaste } from '../src/plan/gpu-variants.js';
import { gpuGeometry } from '../src/predict/features.js';
import type { SpaceConfig } from '../src/config/schemas.js';
import type { Layer } from '../src/analysis/types.js';

test('ids round-trip through the parser; other ids and wrong tile letters are not register-tiled', () => {
  assert.equal(parseRegTileVariant('linear_reg_v16_m8'), { kernel: 'linear_reg', vectorWidth: 16, vectors: 1, tile: 8 });
  assert.equal(parseRegTileVariant('conv_reg_v8x2_q4'), { kernel: 'conv_reg', vectorWidth: 8, vectors: 2, tile: 4 });
  assert.equal(parseRegTileVariant('conv_reg_1x1_v4_q2'), { kernel: 'conv_reg_1x1', vectorWidth: 4, vectors: 1, tile: 2 });
  assert.equal(parseRegTileVariant('conv_reg_v16x4_q4'), { kernel: 'conv_reg', vectorWidth: 16, vectors: 4, tile: 4 });
  for (const id of ['linear_reg_v16_m8', 'conv_reg_v8x2_q4', 'conv_reg_1x1_v4_q2', 'conv_reg_v16x4_q4']) assert.is(regTileVariantId(parseRegTileVariant(id)!), id);
  for (const id of ['gemv_row', 'linear_reg_v16_q8', 'conv_reg_v16_m8', 'linear_reg_v32_m8', 'linear_reg_v16x3_m8', 'linear_reg_v16_m32']) {
    assert.is(parseRegTileVariant(id), undefined, id);
  }
});

const space: SpaceConfig = {
  schemaVersion: 1, name: 's', layerType: 'linear', splitRatios: [0, 1], cpuThreads: [1], cpuImpls: ['simd'], syncs: ['finish'],
  gpuVariants: [
    { id: 'gemv_row', workGroups: [64], granularity: 1 },
    { id: 'linear_reg', workGroups: [1, 64], granularity: 1, knobs: { vectorWidths: [4, 16], vectors: [1, 2], tiles: [1, 8] } },
  ],
};

test('a family expands to every knob combination, in knob order, with granularity its tile width', () => {
  const out = expandVariantFamilies(space);
  assert.equal(out.gpuVariants.map((v) => `${v.id}/g${v.granularity}`), [
    'gemv_row/g1',
    'linear_reg_v4_m1/g4', 'linear_reg_v4_m8/g4', 'linear_reg_v4x2_m1/g8', 'linear_reg_v4x2_m8/g8',
    'linear_reg_v16_m1/g16', 'linear_reg_v16_m8/g16', 'linear_reg_v16x2_m1/g32', 'linear_reg_v16x2_m8/g32',
  ]);
  assert.ok(out.gpuVariants.every((v) => v.knobs === undefined && v.workGroups.join() === (v.id === 'gemv_row' ? '64' : '1,64')));
  assert.is(expandVariantFamilies(out), out, 'a space without families is returned as is');
});

test('padding-only tiles are pruned: a tile at least twice the rows (linear) or the output row (conv)', () => {
  assert.ok(regTileWaste('linear_reg_v16_m8', { type: 'linear', M: 1 }));
  assert.ok(regTileWaste('linear_reg_v16_m8', { type: 'linear', M: 4 }));
  assert.is(regTileWaste('linear_reg_v16_m8', { type: 'linear', M: 5 }), undefined);
  assert.is(regTileWaste('linear_reg_v16_m1', { type: 'linear', M: 1 }), undefined);
  assert.is(regTileWaste('gemm_tiled', { type: 'linear', M: 1 }), undefined);
  assert.ok(regTileWaste('conv_reg_v16_q8', { type: 'conv2d', Q: 3, PQ: 100 }));
  assert.is(regTileWaste('conv_reg_1x1_v16_q8', { type: 'conv2d', Q: 3, PQ: 9 }), undefined);
});

test('geometry: one work-item per padded register tile, work-groups of the knob', () => {
  const linear: Layer = { type: 'linear', M: 9, N: 100, K: 7 };
  // 50 rows in tiles of 2 x 8 = 16 features -> 4 column blocks; M 9 in tiles of 4 -> 3 row blocks; 12 tiles.
  assert.equal(gpuGeometry(linear, 50, 'linear_reg_v8x2_m4', 4), { workGroups: 3, outputsComputed: 12 * 4 * 16, workGroupSize: 4, vectorWidth: 8 });
  // 5x7 input, 3x3, stride 1, pad 1: P 5, Q 7; 20 channels in blocks of 16 -> 2; Q in tiles of 4 -> 2; 2 images.
  const conv: Layer = { type: 'conv2d', batch: 2, C: 3, H: 5, W: 7, F: 32, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  assert.equal(gpuGeometry(conv, 20, 'conv_reg_v16_q4', 1), { workGroups: 2 * 2 * 5 * 2, outputsComputed: 40 * 4 * 16, workGroupSize: 1, vectorWidth: 16 });
  // 1x1: positions H * W = 35 in tiles of 8 -> 5.
  const conv1: Layer = { ...conv, R: 1, S: 1, padH: 0, padW: 0 } as Layer;
  assert.equal(gpuGeometry(conv1, 20, 'conv_reg_1x1_v4_q8', 64), { workGroups: 1, outputsComputed: 2 * 5 * 5 * 8 * 4, workGroupSize: 64, vectorWidth: 4 });
});


test('local-tiled ids: the engine\'s knob domain and constraints (native/src/plan.cpp ParseLocalTileVariant)', () => {
  assert.equal(parseLocalTileVariant('gemm_local_64x64x16_4x4'), { kernel: 'gemm_local', mwg: 64, nwg: 64, kwg: 16, mwi: 4, nwi: 4, splits: 1 });
  assert.equal(parseLocalTileVariant('conv_splitk_32x16x16_4x2_s8'), { kernel: 'conv_splitk', mwg: 32, nwg: 16, kwg: 16, mwi: 4, nwi: 2, splits: 8 });
  assert.equal(parseLocalTileVariant('gemm_splitk_16x64x16_2x4_s4'), { kernel: 'gemm_splitk', mwg: 16, nwg: 64, kwg: 16, mwi: 2, nwi: 4, splits: 4 });
  assert.equal(parseLocalTileVariant('conv_local_im2col_16x128x32_1x8')?.kernel, 'conv_local_im2col');
  assert.equal(parseLocalTileVariant('conv_local_32x16x32_1x1')?.kernel, 'conv_local');
  assert.ok(parseLocalTileVariant('gemm_local_16x16x16_4x4'), '16 work-items, the minimum');
  for (const id of [
    'gemm_local_48x64x16_4x4',   // tile not a listed size
    'gemm_local_64x64x64_4x4',   // KWG out of range
    'gemm_local_64x64x16_1x1',   // 4096 work-items
    'gemm_local_16x16x16_8x4',   // 8 work-items
    'gemm_local_16x16x8_1x1',    // 256 work-items gather only 8 x 16 values
    'gemm_local_64x64x16_4x4x',  // trailing text
    'conv_splitk_32x16x16_4x2',  // split-K without its parts
    'conv_splitk_32x16x16_4x2_s3', // parts not 2, 4, 8 or 16
    'conv_local_32x16x16_4x2_s8', // parts on a kernel without them
    'gemm_splitk_16x64x16_2x4',  // linear split-K without its parts
    'gemm_local_16x64x16_2x4_s4', // parts on gemm_local
    'linear_reg_v16_m8',
  ]) {
    assert.is(parseLocalTileVariant(id), undefined, id);
  }
});

test('a local-tiled family expands to one variant per tile; a wrong kernel or tile is named', () => {
  const s: SpaceConfig = { ...space, gpuVariants: [{ id: 'gemm_local', workGroups: [1], granularity: 16, localTiles: ['32x32x16_4x4', '64x64x8_8x8'] }] };
  assert.equal(expandVariantFamilies(s).gpuVariants.map((v) => `${v.id}/g${v.granularity}/${v.localTiles === undefined}`),
    ['gemm_local_32x32x16_4x4/g16/true', 'gemm_local_64x64x8_8x8/g16/true']);
  assert.is(familyProblem(s.gpuVariants[0]!, 'linear'), undefined);
  assert.match(familyProblem(s.gpuVariants[0]!, 'conv2d')!, /conv_local, conv_local_im2col/);
  assert.match(familyProblem({ ...s.gpuVariants[0]!, localTiles: ['64x64x16_1x1'] }, 'linear')!, /tile 64x64x16_1x1 outside/);
});

test('geometry of local-tiled variants: one work-group per MWG x NWG output tile, its size from the id', () => {
  // linear M 70 in rows of 32 -> 3; 50 features in columns of 64 -> 1.
  assert.equal(gpuGeometry({ type: 'linear', M: 70, N: 100, K: 7 }, 50, 'gemm_local_32x64x16_4x4', 1),
    { workGroups: 3, outputsComputed: 3 * 32 * 64, workGroupSize: 8 * 16, vectorWidth: 4, reductionStep: 16 });
  // conv: P 5 x Q 7 = 35 positions in columns of 16 -> 3; 20 channels in rows of 16 -> 2; 2 images.
  const conv: Layer = { type: 'conv2d', batch: 2, C: 3, H: 5, W: 7, F: 32, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  assert.equal(gpuGeometry(conv, 20, 'conv_local_16x16x8_2x1', 64),
    { workGroups: 2 * 2 * 3, outputsComputed: 12 * 16 * 16, workGroupSize: 8 * 16, vectorWidth: 1, reductionStep: 8 });
});

test('gemv_reg and conv_pq_1x1: the tile runs along the split dimension (granularity, no padding pruning, geometry)', () => {
  assert.equal(parseRegTileVariant('gemv_reg_v16x2_n4'), { kernel: 'gemv_reg', vectorWidth: 16, vectors: 2, tile: 4 });
  assert.equal(parseRegTileVariant('conv_pq_1x1_v8x2_f4'), { kernel: 'conv_pq_1x1', vectorWidth: 8, vectors: 2, tile: 4 });
  for (const id of ['gemv_reg_v16x2_n4', 'conv_pq_1x1_v8x2_f4']) assert.is(regTileVariantId(parseRegTileVariant(id)!), id);
  for (const id of ['gemv_reg_v16_m4', 'conv_pq_1x1_v8_q4', 'linear_reg_v8_n4', 'conv_reg_1x1_v8_f4']) assert.is(parseRegTileVariant(id), undefined, id);
  const out = expandVariantFamilies({ ...space, gpuVariants: [{ id: 'gemv_reg', workGroups: [1], granularity: 1, knobs: { vectorWidths: [16], vectors: [2], tiles: [4] } }] });
  assert.equal(out.gpuVariants.map((v) => `${v.id}/g${v.granularity}`), ['gemv_reg_v16x2_n4/g4']);
  assert.is(regTileWaste('gemv_reg_v16_n8', { type: 'linear', M: 1 }), undefined);
  // 50 features in blocks of 4 -> 13 work-items, each over the 9 rows m.
  const linear: Layer = { type: 'linear', M: 9, N: 100, K: 7 };
  assert.equal(gpuGeometry(linear, 50, 'gemv_reg_v8_n4', 1), { workGroups: 13, outputsComputed: 13 * 4 * 9, workGroupSize: 1, vectorWidth: 8 });
  // 1x1, H * W = 35 positions in blocks of 2 x 8 = 16 -> 3 per image, 2 images; each walks 20 channels in 5 blocks of 4.
  const conv1: Layer = { type: 'conv2d', batch: 2, C: 3, H: 5, W: 7, F: 32, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  assert.equal(gpuGeometry(conv1, 20, 'conv_pq_1x1_v8x2_f4', 1), { workGroups: 6, outputsComputed: 6 * 16 * 5 * 4, workGroupSize: 1, vectorWidth: 8 });
});

test('conv_pq: any filter; VN output rows x VW output columns per work-item, walking every channel block', () => {
  assert.equal(parseRegTileVariant('conv_pq_v8x2_f4'), { kernel: 'conv_pq', vectorWidth: 8, vectors: 2, tile: 4 });
  assert.is(regTileVariantId(parseRegTileVariant('conv_pq_v8x2_f4')!), 'conv_pq_v8x2_f4');
  for (const id of ['conv_pq_v8_q4', 'conv_pq_v8x3_f4', 'conv_pq_v8_f3']) assert.is(parseRegTileVariant(id), undefined, id);
  assert.equal(parseRegTileVariant('conv_pq_1x1_v8_f4')?.kernel, 'conv_pq_1x1');
  const out = expandVariantFamilies({ ...space, gpuVariants: [{ id: 'conv_pq', workGroups: [1], granularity: 1, knobs: { vectorWidths: [8], vectors: [2], tiles: [4, 8] } }] });
  assert.equal(out.gpuVariants.map((v) => `${v.id}/g${v.granularity}`), ['conv_pq_v8x2_f4/g4', 'conv_pq_v8x2_f8/g8']);
  assert.is(regTileWaste('conv_pq_v16_f16', { type: 'conv2d', Q: 3, PQ: 9 }), undefined);
  // 3x3 pad 1: P = 5 rows in blocks of 2 -> 3, Q = 7 columns in blocks of 8 -> 1, 2 images: 6 work-items, each
  // 2 x 8 positions over 20 channels in 5 blocks of 4.
  const conv: Layer = { type: 'conv2d', batch: 2, C: 3, H: 5, W: 7, F: 32, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  assert.equal(gpuGeometry(conv, 20, 'conv_pq_v8x2_f4', 1), { workGroups: 6, outputsComputed: 6 * 16 * 5 * 4, workGroupSize: 1, vectorWidth: 8 });
});

test.run();
