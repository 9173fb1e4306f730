/**
 * What `coexec export --with-node` adds to a bundle so that run.sh can plan the confirmation pass on the
 * device (which has no Node) right after the profile and grid phases, in the same trip: the running Node
 * binary (gzip-compressed: gzip is essential on Debian, xz is not), the compiled harness (dist/src), the few
 * runtime packages that import, derive and planning load, the configs and experiments, and a copy of the
 * run folder as planned (harness/run/). Everything lands under harness/ and is hashed like the rest.
 */

import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import path from 'node:path';
import { PlatformError } from './errors.js';

/**
 * Packages the carried harness loads (config checks, derive's selection timing); their dependencies are
 * added from their package.json. Found by running the round-2 step with only these installed: vega*,
 * @resvg (figures), typescript, playwright-core and @types are not needed on the device.
 */
export const HARNESS_PACKAGES = ['ajv', '@sinclair/typebox', 'tinybench'] as const;
/** Where the harness goes in the bundle; the run folder copy is under it as run/. */
export const HARNESS_DIR = 'harness';
/** Files of the run folder the device needs to extend it (the plan parts come from run.json). */
const RUN_FILES = ['run.json', 'plan.json'];
/** Type declarations and source maps: never loaded at run time. */
const DEV_ONLY = /\.(d\.[cm]?ts|map)$/;

/** What to carry. */
export interface HarnessPayload {
  /** Repository root: dist/src, node_modules, configs, experiments and package.json are read from it. */
  repoRoot: string;
  /** The run folder as export planned it (run.json, plan.json). */
  runDir: string;
  /** Node binary to carry (default: the one running, process.execPath). */
  nodeBinary?: string;
}

/** bundle.json's `harness`. */
export interface HarnessManifest {
  /** The carried Node: gzip of the binary at `path`, its version and the platform it runs on. */
  node: { path: string; compression: 'gzip'; version: string; platform: string; arch: string; sha256: string; bytes: number };
  /** Folder of the harness (dist/src, node_modules, configs, experiments, package.json). */
  root: string;
  /** The run folder copy as planned; run.sh works on results/run/, a copy of it. */
  runCopy: string;
  /** Packages under node_modules. */
  packages: string[];
}

/** Copies the harness into outDir/harness and returns the manifest entry (files are hashed by the caller). */
export async function writeHarness(outDir: string, payload: HarnessPayload): Promise<HarnessManifest> {
  const { repoRoot } = payload;
  const distSrc = path.join(repoRoot, 'dist', 'src');
  if (!existsSync(path.join(distSrc, 'cli', 'bundle-round2.js'))) {
    throw new PlatformError(`export --with-node carries the compiled harness, but ${distSrc} is missing or stale: run \`npm run build\` first.`);
  }
  const root = path.join(outDir, HARNESS_DIR);
  await copyTree(distSrc, path.join(root, 'dist', 'src'));
  for (const dir of ['configs', 'experiments']) await copyTree(path.join(repoRoot, dir), path.join(root, dir));
  await copyFile(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
  const packages = await packageClosure(path.join(repoRoot, 'node_modules'), HARNESS_PACKAGES);
  for (const name of packages) await copyTree(path.join(repoRoot, 'node_modules', name), path.join(root, 'node_modules', name));
  await mkdir(path.join(root, 'run'), { recursive: true });
  for (const file of RUN_FILES) await copyFile(path.join(payload.runDir, file), path.join(root, 'run', file));

  const binary = payload.nodeBinary ?? process.execPath;
  const nodeRel = `${HARNESS_DIR}/node.gz`;
  const hash = createHash('sha256');
  const source = createReadStream(binary);
  source.on('data', (chunk) => hash.update(chunk));
  // Level 6: within 0.5% of level 9 on the Node binary, in a third of the time.
  await pipeline(source, createGzip({ level: 6 }), createWriteStream(path.join(outDir, nodeRel)));
  return {
    node: {
      path: nodeRel, compression: 'gzip', version: process.version, platform: process.platform, arch: process.arch,
      sha256: hash.digest('hex'), bytes: (await stat(binary)).size,
    },
    root: HARNESS_DIR, runCopy: `${HARNESS_DIR}/run`, packages,
  };
}

/** The packages and everything they depend on (by their package.json), sorted. */
async function packageClosure(nodeModules: string, roots: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    const manifest = path.join(nodeModules, name, 'package.json');
    if (!existsSync(manifest)) throw new PlatformError(`export --with-node: package ${name} is not in ${nodeModules}: run \`npm ci\` first.`);
    seen.add(name);
    const deps = (JSON.parse(await readFile(manifest, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    queue.push(...Object.keys(deps));
  }
  return [...seen].sort();
}

/** Copies a folder (following links, as the repository may link dist or node_modules), without DEV_ONLY files. */
async function copyTree(from: string, to: string): Promise<void> {
  if (!existsSync(from)) throw new PlatformError(`export --with-node: ${from} not found.`);
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.name === '.bin') continue; // links to package scripts, never loaded
    const src = path.join(from, entry.name);
    const info = await stat(src);
    if (info.isDirectory()) await copyTree(src, path.join(to, entry.name));
    else if (info.isFile() && !DEV_ONLY.test(entry.name)) await copyFile(src, path.join(to, entry.name));
  }
}

