/**
 * manifest.json of a run folder (contract section 9): where the numbers came from (git commit and dirty
 * flag, lockfile, engine binary and kernel sources, configs, seeds, times) and the SHA-256 of every other
 * file in the folder, so that `verifyManifest` can name the first file changed or lost since.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, sha256File } from './hash.js';

/** The manifest document. */
export interface Manifest {
  schemaVersion: 1;
  runId: string;
  platform: string;
  createdAt: string;
  finishedAt: string;
  git: { commit: string; dirty: boolean };
  lockfileSha256: string;
  engine: { binarySha256: string; kernelsSha256: Record<string, string> };
  configs: Record<string, string>;
  seeds: { order: number; data: number };
  files: Record<string, string>;
}

/** Git commit and dirty flag of the repository at root ("unknown" outside git). */
export function gitState(root: string): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/** Hashes of the engine binary and of native/kernels/*.cl ("" when there is no binary). */
export function engineHashes(root: string, binaryPath?: string): Manifest['engine'] {
  const kernelsDir = join(root, 'native/kernels');
  const kernelsSha256: Record<string, string> = {};
  for (const f of listFiles(kernelsDir).filter((n) => n.endsWith('.cl'))) kernelsSha256[f] = sha256File(join(kernelsDir, f))!;
  return { binarySha256: (binaryPath && sha256File(binaryPath)) || '', kernelsSha256 };
}

/** What the caller knows about the run; the file hashes are computed here. */
export interface ManifestInput {
  runId: string; platform: string; createdAt: string; finishedAt: string; repoRoot: string;
  engineBinary?: string; configs: Record<string, string>; seeds: { order: number; data: number };
}

/**
 * Whether a run-folder file is one that `coexec figures` regenerates from derived data (tables, figures,
 * report). Those are outputs, not results: the manifest does not cover them, so rendering again (with a
 * newer vega, say) never makes a run fail its hash check.
 */
export function isRegenerated(relPath: string): boolean {
  return /^(tables|figures|report)\//.test(relPath);
}

/** SHA-256 of every file of a run folder that the manifest covers (all but itself and regenerated outputs). */
function hashResults(runDir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of listFiles(runDir)) if (f !== 'manifest.json' && !isRegenerated(f)) files[f] = sha256File(join(runDir, f))!;
  return files;
}

/** Writes runDir/manifest.json, hashing every other file of the folder but regenerated outputs. */
export function writeManifest(runDir: string, input: ManifestInput): Manifest {
  const files = hashResults(runDir);
  const manifest: Manifest = {
    schemaVersion: 1, runId: input.runId, platform: input.platform, createdAt: input.createdAt, finishedAt: input.finishedAt,
    git: gitState(input.repoRoot), lockfileSha256: sha256File(join(input.repoRoot, 'package-lock.json')) ?? '',
    engine: engineHashes(input.repoRoot, input.engineBinary), configs: input.configs, seeds: input.seeds, files,
  };
  writeFileSync(join(runDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Recomputes every hash in the manifest. Problems, in file order: a file that differs, one that is
 * missing, and one present but not listed. ok is true only with no problem.
 */
export function verifyManifest(runDir: string): { ok: boolean; problems: string[] } {
  const path = join(runDir, 'manifest.json');
  if (!existsSync(path)) return { ok: false, problems: ['manifest.json: missing'] };
  let manifest: Manifest;
  try { manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest; } catch (err) {
    return { ok: false, problems: [`manifest.json: not valid JSON (${(err as Error).message})`] };
  }
  if (!manifest || typeof manifest.files !== 'object') return { ok: false, problems: ['manifest.json: no "files" object'] };
  const problems: string[] = [];
  for (const [file, expected] of Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (isRegenerated(file)) continue; // listed by manifests written before regenerated outputs were excluded
    const actual = sha256File(join(runDir, file));
    if (actual === undefined) problems.push(`${file}: missing (listed in manifest.json)`);
    else if (actual !== expected) problems.push(`${file}: SHA-256 differs from manifest.json (expected ${expected.slice(0, 12)}..., found ${actual.slice(0, 12)}...)`);
  }
  for (const f of listFiles(runDir)) {
    if (f !== 'manifest.json' && !isRegenerated(f) && !(f in manifest.files)) problems.push(`${f}: not listed in manifest.json`);
  }
  return { ok: problems.length === 0, problems };
}

/**
 * Rehashes every result file of a run folder into its existing manifest (provenance fields kept), for
 * stages that add files after the run (derived/*.json). Returns the updated manifest.
 */
export function refreshManifest(runDir: string): Manifest {
  const path = join(runDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  const updated = { ...manifest, files: hashResults(runDir) };
  writeFileSync(path, `${JSON.stringify(updated, null, 2)}\n`);
  return updated;
}
