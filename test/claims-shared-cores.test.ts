// Claims that compare co-execution with a bound of two independent sides (needsSeparateCores) are N/A on a
// run whose GPU side is an OpenCL CPU device on the CPU side's cores (local with PoCL), judged as usual where
// that device has cores of its own (pocl-split) or is a GPU; gpuSideSharesCpuCores reads which from the run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateClaims } from '../src/analysis/claims.js';
import { gpuSideSharesCpuCores } from '../src/analysis/run-files.js';
import type { ExperimentDefinition } from '../src/analysis/types.js';

const experiment = {
  schemaVersion: 1, id: 'linear-coexec', layerType: 'linear',
  claims: [
    { id: 'efficiency', text: 'efficiency', metric: 'linear.meanEfficiencyAffine', unit: 'ratio', needsSeparateCores: true, expected: { 'pocl-cpu': { min: 0.92 } } },
    { id: 'near-oracle', text: 'q', metric: 'linear.geomeanQ', unit: 'ratio', expected: { 'pocl-cpu': { min: 0.66 } } },
  ],
} as unknown as ExperimentDefinition;
const summary = { linear: { meanEfficiencyAffine: 0.86, geomeanQ: 0.84 } };

test('a separate-cores claim is N/A on shared cores, with why; other claims are judged as before', () => {
  const shared = evaluateClaims(summary, [experiment], 'pocl-cpu', { gpuSideSharesCpuCores: true });
  assert.equal(shared.map((r) => [r.id, r.pass, r.applicable ?? true]), [['efficiency', true, false], ['near-oracle', true, true]]);
  assert.is(shared[0]!.measured, 0.86);
  assert.match(shared[0]!.data.join(' '), /CPU side's cores: co-execution adds no hardware/);
  const separate = evaluateClaims(summary, [experiment], 'pocl-cpu', { gpuSideSharesCpuCores: false });
  assert.equal(separate.map((r) => [r.id, r.pass, r.applicable ?? true]), [['efficiency', false, true], ['near-oracle', true, true]]);
  assert.equal(evaluateClaims(summary, [experiment], 'pocl-cpu').map((r) => r.pass), [false, true], 'no facts: judged');
});

/** A run folder with the engine's info (one device of `type`) and a platform config. */
function runWith(type: string, opencl: object, cpuCores: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-shared-cores-'));
  writeFileSync(join(dir, 'env-before.json'), JSON.stringify({ engineInfo: { opencl: { platforms: [{ name: 'P', devices: [{ name: 'd', type, computeUnits: 2, selected: true }] }] } } }));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ platformConfig: { opencl, cpu: { cores: cpuCores } } }));
  return dir;
}

test('gpuSideSharesCpuCores: PoCL without cores of its own shares; pocl-split and a GPU do not', () => {
  assert.is(gpuSideSharesCpuCores(runWith('cpu', { deviceType: 'gpu-or-cpu' }, [])), true, 'local with PoCL');
  assert.is(gpuSideSharesCpuCores(runWith('cpu', { deviceCores: [0, 1, 2, 3, 4, 5, 6] }, [8, 9, 10, 11, 12, 13, 14, 15])), false, 'pocl-split');
  assert.is(gpuSideSharesCpuCores(runWith('cpu', { deviceCores: [0, 1, 2, 3] }, [3, 4])), true, 'overlapping cores');
  assert.is(gpuSideSharesCpuCores(runWith('cpu', { deviceCores: [0, 1] }, [])), true, 'CPU side on every core');
  assert.is(gpuSideSharesCpuCores(runWith('gpu', {}, [])), false, 'a GPU');
  assert.is(gpuSideSharesCpuCores(mkdtempSync(join(tmpdir(), 'coexec-empty-'))), false, 'nothing recorded');
});

test.run();
