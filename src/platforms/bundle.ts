/**
 * The offline bundle: a folder that carries the engine sources, the plans and a bash `run.sh` to a machine
 * without Node (the GPU host), and the import that brings its results back. Export hashes every file into
 * bundle.json and SHA256SUMS; import refuses a bundle whose files changed, checks every result line
 * against its plan's job ids, and copies the results into a run folder's raw/.
 *
 * With `harness` (export --with-node) the bundle also carries Node, the compiled harness and the run folder
 * (bundle-harness.ts), so run.sh plans the confirmation pass on the device; run/bundle-confirm.ts checks it.
 *
 * Plans are rewritten with one job per line, id first, so run.sh can leave out finished jobs with awk
 * (resume without Python or a JSON tool); the content is the same plan.
 */

import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envAssignments, shellQuote, type RemotePlatformConfig } from './config.js';
import { PlatformError } from './errors.js';
import { execCommand, tail } from './exec.js';
import { completeLines, ResultsAppender } from './jsonl.js';
import { engineSourceHash, listEngineSources, sha256File, sha256Hex } from './sources.js';
import { writeHarness, type HarnessManifest, type HarnessPayload } from './bundle-harness.js';

/** Files that describe the bundle itself and so cannot be listed in bundle.json's `files`. */
const SELF_FILES = new Set(['bundle.json', 'SHA256SUMS']);
/** What run.sh and the build leave in the folder; never part of the exported content. */
const RUN_OUTPUT = /^(build|work|results|icd|extra\/root)(\/|$)|^build(-configure)?\.log$/;

/** What to export. */
export interface ExportBundleOptions {
  /** Folder to create; must not exist or be empty. */
  outDir: string;
  /** Plans to carry; `name` becomes plans/<name>.json and results/<name>.jsonl. */
  plans: { name: string; planPath: string }[];
  platform: RemotePlatformConfig;
  /** Repository root: native/ and scripts/bundle-template/ are read from it. */
  repoRoot: string;
  /** Prebuilt .deb packages (e.g. CLBlast) to ship in extra/. */
  extraDebs?: string[];
  /** Also write <outDir>.tar.gz next to the folder. */
  tarGz?: boolean;
  /** Carry Node, the harness and the run folder so run.sh plans the confirmation pass (export --with-node). */
  harness?: HarnessPayload;
}

/** bundle.json. */
export interface BundleManifest {
  schemaVersion: 1;
  kind: 'coexec-bundle';
  createdAt: string;
  platform: string;
  /** Hash of the engine source set (see engineSourceHash); run.sh reuses a build that matches it. */
  sourceSha256: string;
  plans: { name: string; path: string; planId: string; jobs: number; sha256: string; exportedFromSha256: string }[];
  /** Present when the bundle carries Node and the harness (export --with-node). */
  harness?: HarnessManifest;
  /** SHA-256 of every exported file, '/'-separated relative paths, sorted; bundle.json and SHA256SUMS excepted. */
  files: Record<string, string>;
}

/** Writes a self-contained bundle folder (and optionally a .tar.gz of it); returns where. */
export async function exportBundle(options: ExportBundleOptions): Promise<{ outDir: string; tarGzPath?: string; manifest: BundleManifest }> {
  const outDir = path.resolve(options.outDir);
  if (existsSync(outDir) && (await readdir(outDir)).length > 0) {
    throw new PlatformError(`export: ${outDir} exists and is not empty: choose a new folder for the bundle.`);
  }
  if (options.plans.length === 0) throw new PlatformError('export: no plans to put in the bundle.');
  const names = new Set<string>();
  for (const { name } of options.plans) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) throw new PlatformError(`export: plan name "${name}" must be a plain file name (letters, digits, _ . -).`);
    if (names.has(name)) throw new PlatformError(`export: plan name "${name}" appears twice.`);
    names.add(name);
  }
  const templateDir = path.join(options.repoRoot, 'scripts', 'bundle-template');
  const nativeDir = path.join(options.repoRoot, 'native');

  await mkdir(outDir, { recursive: true });
  // 1. Engine sources.
  const sources = await listEngineSources(nativeDir);
  for (const rel of sources) {
    await mkdir(path.dirname(path.join(outDir, 'native', rel)), { recursive: true });
    await copyFile(path.join(nativeDir, rel), path.join(outDir, 'native', rel));
  }
  // 2. Plans, one job per line.
  await mkdir(path.join(outDir, 'plans'));
  const planEntries: BundleManifest['plans'] = [];
  for (const { name, planPath } of options.plans) {
    const raw = await readFile(planPath, 'utf8').catch(() => {
      throw new PlatformError(`export: cannot read plan ${planPath}.`);
    });
    const rel = `plans/${name}.json`;
    const { text, planId, jobs } = linePerJob(raw, planPath);
    await writeFile(path.join(outDir, rel), text);
    planEntries.push({ name, path: rel, planId, jobs, sha256: sha256Hex(text), exportedFromSha256: sha256Hex(raw) });
  }
  // 3. Platform settings and the scripts.
  await writeFile(path.join(outDir, 'platform.json'), JSON.stringify(options.platform, null, 2) + '\n');
  await writeFile(path.join(outDir, 'platform.env'), platformEnv(options.platform));
  for (const file of ['run.sh', 'README.md']) await copyFile(path.join(templateDir, file), path.join(outDir, file));
  await chmod(path.join(outDir, 'run.sh'), 0o755);
  // 4. Optional prebuilt packages.
  for (const deb of options.extraDebs ?? []) {
    if (!deb.endsWith('.deb')) throw new PlatformError(`export: extra payload ${deb} is not a .deb package.`);
    await mkdir(path.join(outDir, 'extra'), { recursive: true });
    await copyFile(deb, path.join(outDir, 'extra', path.basename(deb)));
  }
  // 5. Optional Node, harness and run folder copy: the binary is hashed like every other file.
  const harness = options.harness ? await writeHarness(outDir, options.harness) : undefined;
  // 6. Hashes: bundle.json for import, SHA256SUMS for `sha256sum -c` (it covers bundle.json too).
  const files: Record<string, string> = {};
  for (const rel of await listFiles(outDir)) files[rel] = await sha256File(path.join(outDir, rel));
  const manifest: BundleManifest = {
    schemaVersion: 1, kind: 'coexec-bundle', createdAt: new Date().toISOString(), platform: options.platform.name,
    sourceSha256: await engineSourceHash(nativeDir, sources), plans: planEntries, ...(harness ? { harness } : {}), files,
  };
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  await writeFile(path.join(outDir, 'bundle.json'), manifestText);
  const sums: Record<string, string> = { ...files, 'bundle.json': sha256Hex(manifestText) };
  await writeFile(path.join(outDir, 'SHA256SUMS'), Object.keys(sums).sort().map((rel) => `${sums[rel]}  ${rel}\n`).join(''));

  if (!options.tarGz) return { outDir, manifest };
  const tarGzPath = `${outDir}.tar.gz`;
  const packed = await execCommand('tar', ['-czf', tarGzPath, '-C', path.dirname(outDir), path.basename(outDir)]);
  if (packed.code !== 0) throw new Error(`tar failed writing ${tarGzPath}: ${tail(packed.stderr)}`);
  return { outDir, tarGzPath, manifest };
}

/** What import found, per plan. */
export interface ImportSummary {
  platform: string;
  plans: {
    name: string; planId: string; jobs: number;
    /** Result lines imported (new lines appended to raw/<name>.jsonl). */
    lines: number; newLines: number;
    /** Distinct jobs with a result, and jobs of the plan without one. */
    done: number; missing: number;
    byStatus: Record<string, number>;
    rawPath: string;
  }[];
  /** The engine's `info` on the bundle's machine, when run.sh wrote it. */
  info?: unknown;
  warnings: string[];
}

/**
 * Checks a bundle that ran (folder, or the .tar.gz from `run.sh --pack`) and copies its results into
 * runDir/raw/<plan>.jsonl (appending only lines not there yet, so importing twice changes nothing), with
 * the engine info as raw/info.json and the bundle manifest as raw/bundle.json.
 */
export async function importBundle(bundlePath: string, runDir: string): Promise<ImportSummary> {
  return withBundleDir(bundlePath, (dir) => importBundleDir(dir, runDir));
}

/**
 * Calls `use` with the bundle as a folder: a .tar.gz (export's, or run.sh --pack's) is unpacked into a
 * temporary folder that is removed afterwards.
 */
export async function withBundleDir<T>(bundlePath: string, use: (dir: string) => Promise<T>): Promise<T> {
  if (!bundlePath.endsWith('.tar.gz') && !bundlePath.endsWith('.tgz')) return use(path.resolve(bundlePath));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'coexec-import-'));
  try {
    const unpacked = await execCommand('tar', ['-xzf', bundlePath, '-C', tmp]);
    if (unpacked.code !== 0) throw new PlatformError(`import: cannot unpack ${bundlePath}: ${tail(unpacked.stderr, 2)}`);
    // run.sh --pack archives the folder's content; export's .tar.gz holds the folder itself.
    const top = existsSync(path.join(tmp, 'bundle.json')) ? tmp : path.join(tmp, (await readdir(tmp))[0] ?? '');
    return await use(top);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** bundle.json of a bundle folder, checked to be one. */
export async function readBundleManifest(dir: string): Promise<BundleManifest> {
  const manifestPath = path.join(dir, 'bundle.json');
  if (!existsSync(manifestPath)) throw new PlatformError(`import: ${manifestPath} not found: not a coexec bundle.`);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as BundleManifest;
  if (manifest.kind !== 'coexec-bundle' || manifest.schemaVersion !== 1) {
    throw new PlatformError(`import: ${manifestPath} is not a coexec bundle manifest of schemaVersion 1.`);
  }
  return manifest;
}

/** importBundle on a bundle folder. */
async function importBundleDir(dir: string, runDir: string): Promise<ImportSummary> {
  const manifestPath = path.join(dir, 'bundle.json');
  const manifest = await readBundleManifest(dir);
  // 1. Every exported file as exported.
  for (const rel of Object.keys(manifest.files).sort()) {
    const file = path.join(dir, rel);
    if (!existsSync(file)) throw new PlatformError(`import: ${rel} is missing from the bundle ${dir}.`);
    if ((await sha256File(file)) !== manifest.files[rel]) {
      throw new PlatformError(`import: ${rel} changed since export (SHA-256 differs from bundle.json): re-export the bundle and run it again.`);
    }
  }
  const warnings: string[] = [];
  // 2. Results as run.sh wrote them.
  const resultSums = await readSums(path.join(dir, 'results', 'SHA256SUMS'));
  if (!resultSums) warnings.push('results/SHA256SUMS missing: result files could not be checked for edits');
  for (const [rel, hash] of Object.entries(resultSums ?? {})) {
    const file = path.join(dir, 'results', rel);
    if (existsSync(file) && (await sha256File(file)) !== hash) {
      throw new PlatformError(`import: results/${rel} changed after run.sh wrote it (SHA-256 differs from results/SHA256SUMS).`);
    }
  }
  // 3. The machine it ran on (before any line is appended: a round from another machine is refused whole).
  const summary: ImportSummary = { platform: manifest.platform, plans: [], warnings };
  const infoPath = path.join(dir, 'results', 'info.json');
  const infoText = existsSync(infoPath) ? await readFile(infoPath, 'utf8') : undefined;
  if (infoText !== undefined) {
    try {
      summary.info = JSON.parse(infoText);
    } catch {
      throw new PlatformError(`import: results/info.json is not valid JSON.`);
    }
    const machineNote = otherMachine(path.join(runDir, 'raw', 'info.json'), summary.info);
    if (machineNote) {
      // A re-measurement round pools its samples with the earlier attempts: from another machine they would
      // be another machine's numbers under this run's name.
      if (manifest.plans.some((p) => /\.remeasure-\d+$/.test(p.name))) {
        throw new PlatformError(`import: this re-measurement round ran on another machine than the run's earlier results (${machineNote}): its samples cannot be pooled with theirs; run the bundle on the run's machine.`);
      }
      warnings.push(`this bundle ran on another machine than the run's earlier results (${machineNote})`);
    }
  } else {
    warnings.push('results/info.json missing: the engine info of the bundle machine is unknown');
  }
  // 4. Each plan's lines: parseable, of this plan, for its jobs.
  await mkdir(path.join(runDir, 'raw'), { recursive: true });
  for (const plan of manifest.plans) {
    summary.plans.push(await importPlanResults(dir, plan, path.join(runDir, 'raw', `${plan.name}.jsonl`), warnings));
  }
  if (infoText !== undefined) await writeFile(path.join(runDir, 'raw', 'info.json'), infoText);
  await copyFile(manifestPath, path.join(runDir, 'raw', 'bundle.json'));
  return summary;
}

/** The machine an engine `info` describes: its CPU model and core count and its OpenCL devices. */
function machineOf(info: unknown): string {
  const i = info as { cpu?: { model?: string; cores?: number }; opencl?: { platforms?: { devices?: { name?: string }[] }[] } } | undefined;
  const devices = (i?.opencl?.platforms ?? []).flatMap((p) => (p.devices ?? []).map((d) => d.name ?? '?'));
  return `${i?.cpu?.model ?? '?'} x${i?.cpu?.cores ?? '?'}; ${devices.join(', ') || 'no OpenCL device'}`;
}

/** How the run's recorded machine (raw/info.json, when there is one) differs from `info`'s, or undefined. */
function otherMachine(recordedPath: string, info: unknown): string | undefined {
  if (!existsSync(recordedPath)) return undefined;
  let recorded: unknown;
  try { recorded = JSON.parse(readFileSync(recordedPath, 'utf8')); } catch { return undefined; }
  const [was, now] = [machineOf(recorded), machineOf(info)];
  return was === now ? undefined : `${was} before, ${now} now`;
}

/**
 * Checks results/<name>.jsonl of a bundle folder against its plan (bundle-relative `path`): every complete
 * line parses, is a job of the plan and carries its planId; then appends the lines not yet in rawPath.
 */
export async function importPlanResults(
  dir: string, plan: { name: string; path: string; planId: string }, rawPath: string, warnings: string[],
): Promise<ImportSummary['plans'][number]> {
  const planDoc = JSON.parse(await readFile(path.join(dir, plan.path), 'utf8')) as { jobs: { id: string }[] };
  const ids = new Set(planDoc.jobs.map((job) => job.id));
  const rel = `results/${plan.name}.jsonl`;
  const text = existsSync(path.join(dir, rel)) ? await readFile(path.join(dir, rel), 'utf8') : '';
  if (text === '') warnings.push(`${rel}: no results (plan ${plan.name} did not run)`);
  const lines = completeLines(text);
  if (text !== '' && !text.endsWith('\n')) warnings.push(`${rel}: last line cut short (a crash while writing): left out`);
  const byStatus: Record<string, number> = {};
  const done = new Set<string>();
  lines.forEach((line, index) => {
    const where = `${rel} line ${index + 1}`;
    let result: { jobId?: unknown; planId?: unknown; status?: unknown; schemaVersion?: unknown };
    try {
      result = JSON.parse(line);
    } catch {
      throw new PlatformError(`import: ${where} is not valid JSON.`);
    }
    if (typeof result.jobId !== 'string' || !ids.has(result.jobId)) {
      throw new PlatformError(`import: ${where}: job id ${JSON.stringify(result.jobId)} is not a job of ${plan.path}.`);
    }
    if (result.planId !== plan.planId) {
      throw new PlatformError(`import: ${where}: planId ${JSON.stringify(result.planId)} differs from ${plan.path}'s "${plan.planId}".`);
    }
    if (done.has(result.jobId)) warnings.push(`${where}: job ${result.jobId} has more than one result`);
    done.add(result.jobId);
    const status = typeof result.status === 'string' ? result.status : 'unknown';
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  });
  await mkdir(path.dirname(rawPath), { recursive: true });
  const newLines = await new ResultsAppender(rawPath).append(lines);
  return {
    name: plan.name, planId: plan.planId, jobs: ids.size, lines: lines.length, newLines,
    done: done.size, missing: ids.size - done.size, byStatus, rawPath,
  };
}

/** The plan text with `"jobs":[` last in the header line and one job per line, id first. */
export function linePerJob(raw: string, planPath: string): { text: string; planId: string; jobs: number } {
  let plan: { planId?: unknown; jobs?: unknown; [key: string]: unknown };
  try {
    plan = JSON.parse(raw);
  } catch {
    throw new PlatformError(`export: ${planPath} is not valid JSON.`);
  }
  if (typeof plan.planId !== 'string' || !Array.isArray(plan.jobs)) {
    throw new PlatformError(`export: ${planPath} is not a plan (expected planId and a jobs array).`);
  }
  const { jobs, ...header } = plan;
  const lines = (jobs as { id?: unknown }[]).map((job, index) => {
    if (typeof job.id !== 'string' || /["\\\n]/.test(job.id)) {
      throw new PlatformError(`export: ${planPath} jobs[${index}].id must be a string without quotes or backslashes.`);
    }
    const { id, ...rest } = job;
    return JSON.stringify({ id, ...rest });
  });
  const head = JSON.stringify(header);
  const text = `${head.slice(0, -1)}${head === '{}' ? '' : ','}"jobs":[\n${lines.join(',\n')}${lines.length ? '\n' : ''}]}\n`;
  return { text, planId: plan.planId, jobs: lines.length };
}

/** platform.env: sourced by run.sh. */
function platformEnv(platform: RemotePlatformConfig): string {
  const lines = [
    `# Written by coexec export from platform "${platform.name}": the engine's environment, sourced by run.sh.`,
    `COEXEC_PLATFORM=${shellQuote(platform.name)}`,
  ];
  const libs = platform.icd ?? [];
  for (const lib of libs) {
    if (!/^[A-Za-z0-9_.+\/-]+$/.test(lib)) throw new PlatformError(`platform ${platform.name}: icd entry "${lib}" is not a plain library name or path.`);
  }
  if (libs.length > 0) lines.push(`COEXEC_ICD_LIBS="${libs.join(' ')}"`);
  for (const assignment of envAssignments(platform.env)) lines.push(`export ${assignment}`);
  return lines.join('\n') + '\n';
}

/** Exported files of a bundle folder, relative and sorted, without run output and the self files. */
async function listFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (RUN_OUTPUT.test(child) || SELF_FILES.has(child)) continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile() || (await stat(path.join(root, child))).isFile()) found.push(child);
    }
  }
  await walk('');
  return found.sort();
}

/** Parses a `sha256sum` file into { path: hash }, or undefined when absent. */
async function readSums(file: string): Promise<Record<string, string> | undefined> {
  if (!existsSync(file)) return undefined;
  const sums: Record<string, string> = {};
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match) sums[match[2]!] = match[1]!;
  }
  return sums;
}
