// The copy floor on the host cost's per-byte terms: where the platform names the peak bandwidth of its
// host-device link (platform config hostLink), a mechanism that copies over it is never priced faster than
// the link, the fixed cost does not also hold the floored copies, and everything else fits as before.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readDevice, readHostLinkGBps } from '../src/analysis/run-files.js';
import type { JobsFile, Layer, Strategy } from '../src/analysis/types.js';
import { predictStrategy } from '../src/predict/compose.js';
import { hostCostSamples, trainingJobs, type HostCostSample } from '../src/predict/dataset.js';
import { trainPredictor } from '../src/predict/evaluate.js';
import { transferBytes } from '../src/predict/features.js';
import { copiesOverLink, copyFloorNsPerByte, fitHostCost, hostCostByMechanism, hostCostNs } from '../src/predict/host-cost.js';

const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;
/** PCIe Gen5 x16 (configs/platforms/gpu-host.json). */
const LINK_GBPS = 63;
const FLOOR = copyFloorNsPerByte(LINK_GBPS);

/**
 * Pinned-copy samples of linear layers M x N x K (every N slice of each shape): cost(input, output) with +-1%
 * alternating noise. The default shapes stop at M = 64 (786 KB of output), as a fold that holds out M = 256.
 */
function linearSamples(cost: (input: number, output: number) => number, shapes: [number, number, number][] = [
  [1, 768, 3072], [1, 3072, 768], [8, 3072, 768], [8, 768, 768], [64, 3072, 768], [64, 1536, 768],
]): HostCostSample[] {
  return shapes.flatMap(([M, N, K], g) => [N / 4, N / 2, N].map((rows, i) => {
    const bytes = transferBytes({ type: 'linear', M, N, K }, rows);
    const costNs = cost(bytes.inputBytes, bytes.outputBytes) * (1 + ((g + i) % 2 === 0 ? 0.01 : -0.01));
    return { mechanism: 'finish', hostMemory: 'pinned-copy', group: `w${g}`, ...bytes, costNs, sideNs: costNs + 30000 };
  }));
}

test('the floor is 1 / peak GB/s in ns per byte, and none without a link', () => {
  assert.ok(near(FLOOR, 1 / 63, 1e-12));
  assert.is(copyFloorNsPerByte(undefined), 0);
  assert.is(copyFloorNsPerByte(0), 0);
});

test('a copy cost too small to stand out of the noise is dropped without the floor and priced at the link with it', () => {
  // 15 us with +-3 us of host noise and nothing per byte: the training copies are below the noise.
  const noise = [3000, -2500, 1000, -3000, 2000, -1000, 2500, -2000, 1500];
  const s = linearSamples(() => 15000).map((x, i) => ({ ...x, costNs: 15000 + noise[i % noise.length]! }));
  const free = fitHostCost(s);
  assert.is(free.perInputByteNs + free.perOutputByteNs, 0, JSON.stringify(free));
  const floored = fitHostCost(s, FLOOR);
  assert.ok(floored.perInputByteNs >= FLOOR && floored.perOutputByteNs >= FLOOR, JSON.stringify(floored));
  // M = 256, N 3072, K 768 (gpu-host linear 1041Z): 786 KB in, 3.1 MB out cannot cost less than 62 us of copies.
  const m256 = transferBytes({ type: 'linear', M: 256, N: 3072, K: 768 }, 3072);
  assert.ok(hostCostNs(floored, m256) >= floored.fixedNs + FLOOR * (m256.inputBytes + m256.outputBytes) - 1e-6);
  assert.ok(hostCostNs(floored, m256) - hostCostNs(free, m256) > 50000, `${hostCostNs(floored, m256)} vs ${hostCostNs(free, m256)}`);
});

test('the fixed cost is fitted beside the floored copies, not on top of them', () => {
  // Copies at exactly the link's speed: the fit finds the fixed cost alone and no excess per byte.
  const atLink = fitHostCost(linearSamples((i, o) => 15000 + FLOOR * (i + o)), FLOOR);
  assert.ok(near(atLink.fixedNs, 15000, 500), JSON.stringify(atLink));
  assert.ok(near(atLink.perInputByteNs, FLOOR, 0.1 * FLOOR) && near(atLink.perOutputByteNs, FLOOR, 0.1 * FLOOR), JSON.stringify(atLink));
  // Copies slower than the link (the read-back at 33 GB/s, the input at 50) keep their measured slopes.
  const slower = fitHostCost(linearSamples((i, o) => 15000 + 0.02 * i + 0.03 * o), FLOOR);
  assert.ok(near(slower.perInputByteNs, 0.02, 0.003) && near(slower.perOutputByteNs, 0.03, 0.003), JSON.stringify(slower));
  assert.ok(near(slower.fixedNs, 15000, 1000), JSON.stringify(slower));
  // The floor moves the fixed cost by no more than the copies the floor prices: without it the fit is the same.
  const plain = fitHostCost(linearSamples((i, o) => 15000 + 0.02 * i + 0.03 * o));
  assert.ok(near(plain.fixedNs, slower.fixedNs, 1000), `${plain.fixedNs} vs ${slower.fixedNs}`);
});

test('at one output width the floor stays per byte and the excess is per row', () => {
  // M = 1 only: output bytes are 4 x rows. 15 us plus 5 ns per output row beyond the copies at the link.
  const m1 = linearSamples((i, o) => 15000 + FLOOR * (i + o) + 5 * (o / 4), [[1, 768, 3072], [1, 3072, 768], [1, 1536, 384], [1, 4096, 4096]]);
  const c = fitHostCost(m1, FLOOR);
  assert.ok(near(c.perOutputByteNs, FLOOR, 1e-12) && near(c.perOutputRowNs!, 5, 1), JSON.stringify(c));
  assert.ok(c.perInputByteNs >= FLOOR, JSON.stringify(c));
  // A wider output (M = 256) pays the link for its bytes, the row cost for its rows, and no invented copy.
  const m256 = transferBytes({ type: 'linear', M: 256, N: 3072, K: 768 }, 3072);
  assert.ok(near(hostCostNs(c, m256), c.fixedNs + c.perInputByteNs * m256.inputBytes + FLOOR * m256.outputBytes + c.perOutputRowNs! * 3072, 1e-6));
});

test('a shortfall below the link that neither slope shows alone in the joint fit is kept on the one that shows it', () => {
  // gpu-host linear 1041Z, finish: the pinned copies run at about 50 GB/s, 0.004 ns per byte beyond the floor.
  // Input and output bytes grow together over its shapes, so the joint fit of the excess splits that between
  // two slopes of t 1.2 and 2.0, and dropping both priced M = 256's 3.9 MB of copies at the link (78 us of
  // host cost where 94 us were measured).
  const run = JSON.parse(readFileSync('results/gpu-host/linear-coexec-host-20261204T1041Z/jobs.json', 'utf8')) as JobsFile;
  const finish = hostCostSamples(trainingJobs(run.rows)).filter((s) => s.mechanism === 'finish');
  const excess = finish.map((s) => ({ ...s, costNs: s.costNs - FLOOR * (s.inputBytes + s.outputBytes) }));
  const joint = fitHostCost(excess);
  assert.is(joint.perInputByteNs + joint.perOutputByteNs, 0, 'the joint test drops both excess slopes');
  const c = fitHostCost(finish, FLOOR);
  assert.ok(c.perInputByteNs + c.perOutputByteNs > 2 * FLOOR + 0.002, JSON.stringify(c));
  const m256 = finish.filter((s) => s.outputBytes === 3145728);
  assert.ok(m256.length > 0);
  for (const s of m256) assert.ok(near(hostCostNs(c, s), s.costNs, 0.1 * s.costNs), `${hostCostNs(c, s)} vs ${s.costNs}`);
});

test('no floor is the old fit exactly', () => {
  const s = linearSamples((i, o) => 15000 + 0.02 * i + 0.03 * o);
  assert.equal(fitHostCost(s, 0), fitHostCost(s));
  assert.equal(hostCostByMechanism(s, 0), hostCostByMechanism(s));
});

test('mechanisms that do not copy (zero-copy, svm-fine) have no floor; a pooled fit with one of them neither', () => {
  assert.ok(copiesOverLink({ mechanism: 'finish', hostMemory: 'pinned-copy' }));
  assert.ok(copiesOverLink({ mechanism: 'svm-coarse', hostMemory: 'svm-coarse-map' }));
  assert.not.ok(copiesOverLink({ mechanism: 'finish', hostMemory: 'zero-copy' }));
  assert.not.ok(copiesOverLink({ mechanism: 'svm-fine', hostMemory: 'svm-fine-shared' }));
  assert.ok(copiesOverLink({ mechanism: 'event-poll' }) && !copiesOverLink({ mechanism: 'svm-fine' })); // runs before resolved.hostMemory
  const flat = linearSamples(() => 15000);
  const shared = flat.map((x) => ({ ...x, mechanism: 'svm-fine', hostMemory: 'svm-fine-shared' }));
  const zero = flat.map((x) => ({ ...x, hostMemory: 'zero-copy' }));
  assert.equal(hostCostByMechanism(shared, FLOOR), hostCostByMechanism(shared));
  assert.equal(hostCostByMechanism(zero, FLOOR), hostCostByMechanism(zero));
  const mixed = hostCostByMechanism([...flat, ...shared], FLOOR);
  assert.ok(mixed.finish!.perOutputByteNs >= FLOOR);
  assert.equal(mixed['svm-fine'], hostCostByMechanism(shared)['svm-fine']);
  assert.equal(mixed['*'], hostCostByMechanism([...flat, ...shared])['*']);
});

test('the composition fitted for a device with a link floors the copying mechanisms, and the streamed side sees it', () => {
  const fixture = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8')) as JobsFile;
  const training = trainingJobs(fixture.rows);
  const roundTrips = fixture.rows.filter((j) => j.kind === 'roundtrip');
  const plain = trainPredictor('baseline', training, roundTrips, { computeUnits: 6 });
  const linked = trainPredictor('baseline', training, roundTrips, { computeUnits: 6, hostLinkGBps: LINK_GBPS });
  const c = linked.composition.dispatchPerByteNs;
  // The fixture's jobs predate resolved.hostMemory: finish copies, svm-fine shares memory.
  assert.ok(c.finish!.input >= FLOOR && c.finish!.output >= FLOOR, JSON.stringify(c));
  assert.equal(c['svm-fine'], plain.composition.dispatchPerByteNs['svm-fine']);
  assert.equal(linked.composition.dispatchNs['svm-fine'], plain.composition.dispatchNs['svm-fine']);
  // Four streams on a large layer: the chunks' read-backs alone, at the link, bound the GPU side from below.
  const layer: Layer = { type: 'linear', M: 256, N: 3072, K: 768 };
  const s: Strategy = { splitRatio: 0, granularity: 16, cpuThreads: 1, cpuImpl: 'simd', gpuVariant: 'gemm_tiled', gpuWorkGroup: 16, sync: 'finish', gpuStreams: 4 };
  const streamed = { ...linked, composition: { ...linked.composition, streams: { perChunkNs: 0 } } };
  const { outputBytes } = transferBytes(layer, 3072);
  assert.ok(predictStrategy(streamed, layer, s).gpuNs >= FLOOR * outputBytes, JSON.stringify(predictStrategy(streamed, layer, s)));
});

/** A bundle run of `platform` on an NVIDIA GPU; `recorded` is run.json's platform config snapshot. */
function linkRun(platform: string, recorded: Record<string, unknown> = {}, device: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-link-'));
  mkdirSync(join(dir, 'raw'));
  writeFileSync(join(dir, 'raw', 'info.json'), JSON.stringify({ opencl: { platforms: [{ name: 'NVIDIA CUDA', devices: [{ name: 'NVIDIA H200', type: 'gpu', computeUnits: 132, ...device }] }] } }));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ platform, platformConfig: { opencl: { platformContains: 'NVIDIA', deviceContains: '', deviceType: 'gpu' }, ...recorded } }));
  return dir;
}

test('the link comes from the run\'s recorded platform config, else from the named platform\'s config; none for unified memory', () => {
  // Recorded before the field existed: this checkout's configs/platforms/gpu-host.json says 63 GB/s.
  assert.equal(readDevice(linkRun('gpu-host')), { computeUnits: 132, name: 'NVIDIA H200', type: 'gpu', hostLinkGBps: 63 });
  // What the run recorded wins.
  assert.is(readHostLinkGBps(linkRun('gpu-host', { hostLink: { peakGBps: 31.5, source: 'PCIe Gen4 x16' } })), 31.5);
  // Platforms whose device shares host memory name no link.
  for (const p of ['local', 'pocl-split', 'pixel5', 'no-such-platform']) assert.is(readHostLinkGBps(linkRun(p)), undefined, p);
  // A device that says it shares host memory copies nothing over a link, whatever the config says.
  assert.is(readDevice(linkRun('gpu-host', {}, { hostUnifiedMemory: true })).hostLinkGBps, undefined);
});

test.run();
