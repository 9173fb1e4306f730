// readDevice finds the measured OpenCL device of harness runs (env-before.json) and of runs imported from an
// offline bundle (raw/info.json, where a GPU host lists PoCL's CPU device before the NVIDIA GPU and the
// run's platform selector says which one was used).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readDevice } from '../src/analysis/run-files.js';

const hostInfo = {
  schemaVersion: 1,
  opencl: {
    platforms: [
      { name: 'Portable Computing Language', devices: [{ name: 'cpu-skylake', type: 'cpu', computeUnits: 16 }] },
      { name: 'NVIDIA CUDA', devices: [{ name: 'NVIDIA H200', type: 'gpu', computeUnits: 132 }] },
    ],
  },
};

function bundleRun(selector: Record<string, unknown>, cpu?: { cores: number[] }): string {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-device-'));
  mkdirSync(join(dir, 'raw'));
  writeFileSync(join(dir, 'raw', 'info.json'), JSON.stringify(hostInfo));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ platformConfig: { opencl: selector, ...(cpu ? { cpu } : {}) } }));
  return dir;
}

test('a bundle run on the NVIDIA platform reads 132 compute units from raw/info.json', () => {
  const d = readDevice(bundleRun({ platformContains: 'NVIDIA', deviceContains: '', deviceType: 'gpu' }));
  assert.equal(d, { computeUnits: 132, name: 'NVIDIA H200', type: 'gpu' });
});

test('a bundle run on PoCL picks the CPU device its selector names, not the first GPU', () => {
  const d = readDevice(bundleRun({ platformContains: 'Portable Computing Language', deviceContains: '', deviceType: 'cpu' }));
  // No deviceCores: PoCL may run on the CPU side's cores.
  assert.equal(d, { computeUnits: 16, name: 'cpu-skylake', type: 'cpu', sharesCpuCores: true });
});

test('PoCL pinned to cores of its own (pocl-split) does not share the CPU side\'s cores; overlapping ones do', () => {
  const selector = { platformContains: 'Portable Computing Language', deviceContains: '', deviceType: 'cpu' };
  assert.equal(readDevice(bundleRun({ ...selector, deviceCores: [0, 1, 2] }, { cores: [8, 9] })), { computeUnits: 16, name: 'cpu-skylake', type: 'cpu' });
  assert.is(readDevice(bundleRun({ ...selector, deviceCores: [0, 1, 2] }, { cores: [2, 3] })).sharesCpuCores, true);
});

test('env-before.json (engine info under engineInfo) wins; nothing readable gives 1 compute unit', () => {
  const dir = bundleRun({ platformContains: 'NVIDIA', deviceContains: '', deviceType: 'gpu' });
  writeFileSync(join(dir, 'env-before.json'), JSON.stringify({ engineInfo: { opencl: { platforms: [{ name: 'p', devices: [{ name: 'g', type: 'gpu', computeUnits: 6 }] }] } } }));
  assert.equal(readDevice(dir), { computeUnits: 6, name: 'g', type: 'gpu' });
  assert.equal(readDevice(mkdtempSync(join(tmpdir(), 'coexec-empty-'))), { computeUnits: 1 });
});

test.run();
