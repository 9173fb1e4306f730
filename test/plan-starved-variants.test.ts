// A GPU variant that launches fewer work-groups for a whole layer than half of a CPU device's pinned workers is
// left out of that layer's grid, with a skip record: on pocl-split conv_pq_1x1_v16x2_f4 launches 2 on C320 7x7
// F1280 for 7 PoCL workers, ran 1.3-2.5 ms against about 70 us, and took about 40% of the conv grid's time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolve } from 'node:path';
import { loadConfigs } from '../src/config/load.js';
import type { GpuVariant, Layer, PlatformConfig } from '../src/config/schemas.js';
import type { Strategy } from '../src/plan/ids.js';
import { cpuDeviceWorkers, planPhase, variantStarves } from '../src/plan/expand.js';

const configs = loadConfigs(resolve(process.cwd()));
const NOW = new Date('2026-12-05T12:00:00Z');
const c320: Layer = { type: 'conv2d', batch: 1, C: 320, H: 7, W: 7, F: 1280, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
const variant = (id: string): GpuVariant => ({ id, granularity: 1, workGroups: [1] } as unknown as GpuVariant);

test('variantStarves: by the whole layer\'s work-groups against half the workers', () => {
  // ceil(49 positions / 32 per work-item) = 2 work-items of one work-group each.
  const why = variantStarves(variant('conv_pq_1x1_v16x2_f4'), 1, c320, 7);
  assert.match(why ?? '', /launches 2 work-group\(s\) .* 7 workers/);
  assert.is(variantStarves(variant('conv_pq_1x1_v16x2_f4'), 1, c320, 4), undefined);  // 2 >= 4 / 2
  assert.is(variantStarves(variant('conv_reg_1x1_v16x2_q8'), 1, c320, 7), undefined);  // 280 work-groups
  assert.is(variantStarves(variant('conv_pq_1x1_v16x2_f4'), 1, { ...c320, H: 56, W: 56 }, 7), undefined);
  // No pinned workers (a GPU, or an unpinned CPU device) or a single one: no rule.
  assert.is(variantStarves(variant('conv_pq_1x1_v16x2_f4'), 1, c320, undefined), undefined);
  assert.is(variantStarves(variant('conv_pq_1x1_v16x2_f4'), 1, c320, 1), undefined);
});

test('cpuDeviceWorkers: a CPU device\'s pinned cores only', () => {
  assert.is(cpuDeviceWorkers(configs.platforms.get('pocl-split')!), 7);
  assert.is(cpuDeviceWorkers(configs.platforms.get('local-split')!), 1);
  assert.is(cpuDeviceWorkers(configs.platforms.get('gpu-host')!), undefined);
  const unpinned = structuredClone(configs.platforms.get('pocl-split')!) as PlatformConfig;
  delete unpinned.opencl.deviceCores;
  assert.is(cpuDeviceWorkers(unpinned), undefined);
});

test('grid: the starved variant leaves only that layer\'s grid, with one skip record; a lone variant stays', () => {
  const exp = configs.experiments.get('conv-coexec')!;
  const platform = configs.platforms.get('pocl-split')!;
  const host = configs.profiles.get('host-pocl')!;
  const plan = planPhase(exp, host, platform, 'grid', { configs, now: NOW });
  const jobs = plan.engine.jobs.filter((j) => j.kind !== 'roundtrip');
  const onC320 = (j: (typeof jobs)[number]) => j.id.startsWith('conv2d/B:1/C:320/H:7/W:7/F:1280/');
  const variantOf = (j: (typeof jobs)[number]) => (j.strategy as Strategy).gpuVariant;
  assert.ok(jobs.some(onC320));
  assert.not.ok(jobs.some((j) => onC320(j) && variantOf(j) === 'conv_pq_1x1_v16x2_f4'));
  // Elsewhere it stays (C64 56x56 1x1: 98 work-groups).
  assert.ok(jobs.some((j) => !onC320(j) && variantOf(j) === 'conv_pq_1x1_v16x2_f4'));
  const records = plan.skipped.filter((s) => s.reason.includes('work-group(s) for the whole layer'));
  assert.equal(records.map((s) => s.id), ['conv2d/B:1/C:320/H:7/W:7/F:1280/R:1/S:1/st:1x1/pad:0x0/gpu:conv_pq_1x1_v16x2_f4-wg1']);
  // With the starved variant the only one, the layer keeps it: a GPU side must stay possible.
  const lone = structuredClone(host);
  lone.experiments['conv-coexec']!.space!.gpuVariants = ['conv_pq_1x1_v16x2_f4'];
  const loneJobs = planPhase(exp, lone, platform, 'grid', { configs, now: NOW }).engine.jobs;
  assert.ok(loneJobs.some((j) => j.id.startsWith('conv2d/B:1/C:320/H:7/W:7/F:1280/') && (j.strategy as Strategy).gpuVariant === 'conv_pq_1x1_v16x2_f4'));
});

test.run();
