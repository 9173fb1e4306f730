/**
 * `coexec derive RUN_DIR...`: derives speedups, decision quality, predictor accuracy and sync overhead of
 * measured run folders (e.g. after `coexec import` of an offline bundle) and re-hashes each folder's
 * manifest so the derived files are covered. Needs no engine and no device.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { refreshManifest } from '../manifest/manifest.js';
import { MODEL_KINDS, type ModelKind } from '../predict/side-model.js';
import { deriveRun, rederiveClaims, rederiveLayers } from './derive.js';
import { deriveInParallel } from './derive-pool.js';

/**
 * Derives one measured run folder and re-hashes its manifest, so the derived files are covered by it
 * (the one place both `derive` and `reproduce` go through).
 */
export async function deriveAndRehash(runDir: string, root: string, selectionFamily?: ModelKind | 'auto'): ReturnType<typeof deriveRun> {
  const derived = await deriveRun(runDir, { experimentsDir: join(root, 'experiments'), ...(selectionFamily ? { selectionFamily } : {}) });
  refreshManifest(runDir);
  return derived;
}

/** What `coexec derive` prints for one derived folder: its counts, then each skipped layer with why. */
export function deriveSummaryLines(dir: string, d: Awaited<ReturnType<typeof deriveRun>>): string[] {
  // A skipped layer is missing from every table and aggregate: say which and why, not only in summary.json.
  return [`derive: ${dir}: ${d.layers.length} layers, ${d.predictorAccuracy.length} accuracy rows, ${d.claims.length} claims`,
    ...d.skippedLayers.map((s) => `derive: ${dir}: skipped layer ${s.layerId}: ${s.reason}`)];
}

/** Parses args and derives; returns the exit status (0 ok, 1 a folder failed, 2 usage). */
export async function deriveCommand(argv: string[], root: string = process.cwd(), print: (line: string) => void = console.log): Promise<number> {
  const args = [...argv];
  const familyAt = args.indexOf('--family');
  const family = familyAt >= 0 ? args.splice(familyAt, 2)[1] : undefined;
  const jobsAt = args.indexOf('--jobs');
  const jobsArg = jobsAt >= 0 ? args.splice(jobsAt, 2)[1] ?? '' : undefined;
  const jobs = jobsArg === undefined ? availableParallelism() : Number(jobsArg);
  const dirs = args.filter((a) => !a.startsWith('-'));
  const claimsOnly = args.includes('--claims-only');
  const layersOnly = args.includes('--layers-only');
  const familyOk = familyAt < 0 || (family !== undefined && (family === 'auto' || (MODEL_KINDS as readonly string[]).includes(family)));
  if (dirs.length === 0 || (claimsOnly && layersOnly) || !familyOk || (familyAt >= 0 && (claimsOnly || layersOnly)) || !(Number.isInteger(jobs) && jobs >= 1)
    || args.some((a) => a.startsWith('-') && a !== '--claims-only' && a !== '--layers-only')) {
    print('usage: coexec derive [--claims-only | --layers-only | --family F] [--jobs N] RUN_DIR... (run folders holding jobs.json, e.g. results/gpu-host/<run-id>; ' +
      '--claims-only: derived/claims.json again from the run\'s derived/summary.json and today\'s experiments/, nothing else; ' +
      '--layers-only: layers.json, the summary\'s linear and conv sections and claims.json again, predictor files kept; ' +
      `--family F: select with model family F (auto, ${MODEL_KINDS.join(', ')}; default auto) instead, e.g. a shipped run's ` +
      'derived/summary.json selectionFamily, to derive it as it was shipped; --jobs N: derive up to N folders at once, default one per core)');
    return 2;
  }
  const absolute = dirs.map((d) => resolve(d));
  const notRuns = absolute.filter((dir) => !existsSync(join(dir, 'jobs.json')));
  if (notRuns.length > 0) { print(`derive: ${notRuns[0]}: no jobs.json (is it a run folder?)`); return 2; }
  // Whole derives of several folders run side by side (derive-pool.ts); the quick modes below stay in order.
  if (!claimsOnly && !layersOnly && absolute.length > 1 && jobs > 1) {
    const failures = await deriveInParallel(absolute, root, family as ModelKind | 'auto' | undefined, jobs, print);
    if (failures.length > 0) print(`derive: ${failures.length} of ${absolute.length} folders failed: ${failures.map((f) => f.split(': ')[0]).join(', ')}`);
    return failures.length > 0 ? 1 : 0;
  }
  for (const dir of absolute) {
    if (claimsOnly) {
      if (!existsSync(join(dir, 'derived', 'summary.json'))) { print(`derive: ${dir}: no derived/summary.json to judge claims on (derive it in full first)`); return 2; }
      const claims = rederiveClaims(dir, { experimentsDir: join(root, 'experiments') });
      refreshManifest(dir);
      print(`derive: ${dir}: ${claims.length} claims (claims only)`);
      continue;
    }
    if (layersOnly) {
      if (!existsSync(join(dir, 'derived', 'layers.json')) || !existsSync(join(dir, 'derived', 'summary.json'))) {
        print(`derive: ${dir}: no derived/layers.json and summary.json to update (derive it in full first)`);
        return 2;
      }
      const claims = await rederiveLayers(dir, { experimentsDir: join(root, 'experiments') });
      if (typeof claims === 'string') { print(`derive: ${dir}: ${claims}`); return 1; }
      refreshManifest(dir);
      print(`derive: ${dir}: layer rows, summary sections and ${claims.length} claims (layers only)`);
      continue;
    }
    for (const line of deriveSummaryLines(dir, await deriveAndRehash(dir, root, family as ModelKind | 'auto' | undefined))) print(line);
  }
  return 0;
}
