// Shared by the offline-bundle tests that run the real engine on PoCL through the CLI: a repository root
// with a tiny profile and a bundle platform, the CLI with captured output, a bundle's build/ seeded with
// native/build/coexec-engine (so run.sh does not compile), and re-signing a sha256sum file.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { main } from '../src/cli/main.js';
import type { BundleManifest } from '../src/platforms/bundle.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const ENGINE = path.join(REPO, 'native/build/coexec-engine');

/** Microseconds per job; a CV bound no measurement on a shared 2-core VM misses, so every job is VALID. */
export const TINY_PROFILE = {
  schemaVersion: 1, name: 'tiny-bundle', description: 'Test: two linear layers, three ratios, one thread, one sync.',
  measurement: { warmup: 1, minSamples: 5, minTimeMs: 5, maxSamples: 20, maxTimeMs: 40, confirmReplicates: 2 },
  seeds: { order: 1, data: 2 },
  validity: { maxCvPct: 10000, minSamples: 3, maxFreqDriftPct: 100, maxTempRiseC: 100 },
  experiments: {
    'linear-coexec': {
      workloads: ['whisper-tiny/dec-q-m1', 'bert-base/attn-q-m1'], profileJobsPerLayer: 2, profileRowFractions: [0.5, 1],
      space: { splitRatios: [0, 0.5, 1], cpuThreads: [1], cpuImpls: ['simd'], gpuVariants: ['gemv_row'], workGroups: [64], syncs: ['finish'] },
    },
  },
};
export const TEST_PLATFORM = {
  schemaVersion: 1, name: 'test-bundle', kind: 'bundle', class: 'pocl-cpu', description: 'Test: PoCL through an offline bundle.', tested: false,
  opencl: { platformContains: 'Portable Computing Language', deviceContains: '', deviceType: 'cpu' }, cpu: { cores: [] },
  expected: { svm: ['coarse', 'fine-buffer', 'atomics'] },
};

/** A repository root with the shipped configs plus the tiny profile and platform; the rest linked to this one. */
export function testRoot(tmp: string, name: string, withDist = true): string {
  const root = path.join(tmp, name);
  mkdirSync(path.join(root, 'scripts'), { recursive: true });
  for (const dir of ['configs', 'experiments']) cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  copyFileSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
  writeFileSync(path.join(root, 'configs/profiles/tiny-bundle.json'), JSON.stringify(TINY_PROFILE, null, 2));
  writeFileSync(path.join(root, 'configs/platforms/test-bundle.json'), JSON.stringify(TEST_PLATFORM, null, 2));
  symlinkSync(path.join(REPO, 'native'), path.join(root, 'native'));
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  symlinkSync(path.join(REPO, 'scripts/bundle-template'), path.join(root, 'scripts/bundle-template'));
  if (withDist) {
    mkdirSync(path.join(root, 'dist'));
    symlinkSync(path.join(REPO, 'dist/src'), path.join(root, 'dist/src'));
  }
  return root;
}

export async function cli(root: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, root);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Puts the engine built from these sources into the bundle's build/, as run.sh leaves it after building. */
export function seedBuild(bundle: string): void {
  const manifest = JSON.parse(readFileSync(path.join(bundle, 'bundle.json'), 'utf8')) as BundleManifest;
  mkdirSync(path.join(bundle, 'build'), { recursive: true });
  copyFileSync(ENGINE, path.join(bundle, 'build/coexec-engine'));
  writeFileSync(path.join(bundle, 'build/.coexec-source-sha256'), `${manifest.sourceSha256}\n`);
}

export function runSh(dir: string): { status: number; stderr: string } {
  const r = spawnSync('bash', [path.join(dir, 'run.sh'), '--jobs', '2'], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stderr: r.stderr };
}

export const lineCount = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Rewrites a sha256sum file's entry for `rel` (a test playing the part of a consistent bundle). */
export function resign(sumsFile: string, rel: string, hash: string): void {
  const lines = readFileSync(sumsFile, 'utf8').split('\n').filter(Boolean).map((l) => (l.endsWith(`  ${rel}`) ? `${hash}  ${rel}` : l));
  writeFileSync(sumsFile, `${lines.join('\n')}\n`);
}

/** A fresh temporary folder for one test file. */
export const tempDir = (prefix: string): string => mkdtempSync(path.join(os.tmpdir(), prefix));
