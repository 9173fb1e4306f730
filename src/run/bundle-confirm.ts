/**
 * The confirmation pass of an offline bundle planned on the device (export --with-node), and its check at
 * home. On the device, run.sh calls planRemoteConfirm with the carried Node once round 1 (profile + grid)
 * has a result for every job: it imports round 1 into a copy of the run folder (results/run/) and plans
 * the pass there with the same code `coexec reproduce` and `export --resume --phase confirm` use. At home,
 * acceptRemoteConfirm plans the pass again from the imported round-1 results and takes the device's plan
 * only when it is exactly that plan: the device is not trusted to have chosen the strategies.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { confirmListForRunDir } from '../analysis/derive.js';
import type { Configs } from '../config/load.js';
import { msg } from '../messages.js';
import type { EnginePlan } from '../plan/expand.js';
import { importBundle, importPlanResults, linePerJob, readBundleManifest, type ImportSummary } from '../platforms/bundle.js';
import { PlatformError } from '../platforms/errors.js';
import type { ConfirmJob } from '../select/confirm.js';
import { createRun, finalizeRun, type RunPart, type RunRecord } from './execute.js';

/** Where run.sh keeps its run folder copy and the confirm plan it runs, relative to the bundle. */
export const REMOTE_RUN_DIR = 'results/run';
export const REMOTE_CONFIRM_PLAN = 'work/confirm.json';
/** The confirm part's files: fixed, so a bundle cannot point import at another path. */
const CONFIRM_PLAN_FILE = 'plan-confirm.json';
const CONFIRM_RAW_FILE = 'raw/confirm.jsonl';

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const writeJson = (file: string, doc: unknown) => writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);

/**
 * Adds the confirm part to the run folder `dir` (its run.json and plan-confirm.json), choosing the
 * strategies from the jobs.json of `jobsDir` as reproduce does; no part when nothing is to be confirmed.
 */
function planConfirmPart(dir: string, jobsDir: string, repoRoot: string, configs: Configs): { list: ConfirmJob[]; part?: RunPart } {
  const list = confirmListForRunDir(jobsDir, join(repoRoot, 'experiments'));
  if (list.length === 0) return { list };
  const record = readJson<RunRecord>(join(dir, 'run.json'));
  const { record: extended } = createRun({
    configs, repoRoot, resultsRoot: dirname(dir), experiment: record.experiment, profile: record.profile.requested.name,
    platform: record.platform, phases: ['confirm'], strategyIds: list.map((c) => c.strategyId), resumeDir: dir, driverName: record.driver,
  }, undefined);
  return { list, part: extended.parts.find((p) => p.name === 'confirm') };
}

/** What the device step did. */
export interface RemoteConfirm {
  /** Bundle-relative plan for run.sh (one job per line), absent when nothing is to be confirmed. */
  planPath?: string;
  /** Lines for run.sh to print. */
  notes: string[];
}

/**
 * The device step (run.sh, carried Node): round 1 into results/run/, the confirmation pass planned there
 * (once: a pass that exists is kept), and its plan one job per line at work/confirm.json for run.sh.
 */
export async function planRemoteConfirm(bundleDir: string, loadConfigs: (root: string) => Configs): Promise<RemoteConfirm> {
  const manifest = await readBundleManifest(bundleDir);
  if (!manifest.harness) throw new PlatformError('this bundle carries no harness (export it with --with-node to plan the confirmation pass here).');
  const harness = join(bundleDir, manifest.harness.root);
  const runCopy = join(bundleDir, REMOTE_RUN_DIR);
  if (!existsSync(join(runCopy, 'run.json'))) cpSync(join(bundleDir, manifest.harness.runCopy), runCopy, { recursive: true });
  const configs = loadConfigs(harness);
  const summary: ImportSummary = await importBundle(bundleDir, runCopy);
  const notes: string[] = [];
  let part = readJson<RunRecord>(join(runCopy, 'run.json')).parts.find((p) => p.name === 'confirm');
  if (part) {
    notes.push(`confirmation pass already planned (${REMOTE_RUN_DIR}/${part.planFile}, ${part.jobs} jobs)`);
  } else {
    const missing = summary.plans.reduce((s, p) => s + p.missing, 0);
    if (missing > 0) {
      throw new PlatformError(`round 1 has ${missing} jobs without a result: the confirmation pass is planned once every job has one (run ./run.sh again).`);
    }
    finalizeRun(runCopy, { repoRoot: harness, configs });
    const planned = planConfirmPart(runCopy, runCopy, harness, configs);
    if (!planned.part) {
      notes.push('no layer has a complete grid of VALID jobs: nothing to confirm');
      return { notes };
    }
    part = planned.part;
    const layers = new Set(planned.list.map((c) => c.layerId)).size;
    notes.push(`planned the confirmation pass: ${planned.list.length} strategies of ${layers} layers, ${part.jobs} jobs (${REMOTE_RUN_DIR}/${part.planFile})`);
  }
  const planFile = join(runCopy, part.planFile);
  mkdirSync(join(bundleDir, 'work'), { recursive: true });
  writeFileSync(join(bundleDir, REMOTE_CONFIRM_PLAN), linePerJob(readFileSync(planFile, 'utf8'), planFile).text);
  return { planPath: REMOTE_CONFIRM_PLAN, notes };
}

/** What import took from a device-planned confirmation pass. */
export interface AcceptedConfirm {
  planId: string;
  /** The lines of results/confirm.jsonl (see importPlanResults). */
  results: ImportSummary['plans'][number];
  /** True when the run folder had this pass already (import again). */
  already: boolean;
  warnings: string[];
}

/**
 * Home side: when the bundle (a folder) planned a confirmation pass on the device, plans it here from the
 * run folder's imported round 1 (jobs.json must be current) and accepts the device's plan only if it is
 * the same jobs in the same order (its planId aside); then adds the confirm part to the run folder and
 * imports results/confirm.jsonl. Undefined when the bundle has no device-planned pass.
 */
export async function acceptRemoteConfirm(
  bundleDir: string, runDir: string, opts: { repoRoot: string; configs: Configs },
): Promise<AcceptedConfirm | undefined> {
  const manifest = await readBundleManifest(bundleDir);
  const remoteRun = join(bundleDir, REMOTE_RUN_DIR);
  if (!manifest.harness || !existsSync(join(remoteRun, 'run.json'))) return undefined;
  const remotePart = readJson<RunRecord>(join(remoteRun, 'run.json')).parts.find((p) => p.name === 'confirm');
  if (!remotePart) return undefined;
  const planRel = `${REMOTE_RUN_DIR}/${CONFIRM_PLAN_FILE}`;
  if (remotePart.planFile !== CONFIRM_PLAN_FILE || remotePart.rawFile !== CONFIRM_RAW_FILE || !existsSync(join(bundleDir, planRel))) {
    throw new PlatformError(`import: ${REMOTE_RUN_DIR}/run.json's confirm part does not name ${CONFIRM_PLAN_FILE} and ${CONFIRM_RAW_FILE}, or the plan is missing.`);
  }
  const remoteText = readFileSync(join(bundleDir, planRel), 'utf8');
  const remotePlan = JSON.parse(remoteText) as EnginePlan;
  if (remotePlan.planId !== remotePart.planId) {
    throw new PlatformError(`import: ${planRel} has planId "${remotePlan.planId}", but ${REMOTE_RUN_DIR}/run.json says "${remotePart.planId}".`);
  }
  const home = readJson<RunRecord>(join(runDir, 'run.json'));
  const homePart = home.parts.find((p) => p.name === 'confirm');
  if (homePart && homePart.planId !== remotePlan.planId) throw new PlatformError(msg.confirmAlreadyPlanned(runDir, homePart.planId, remotePlan.planId));
  if (!homePart) {
    // Plan here into a scratch copy of run.json, so the run folder changes only once the plans agree.
    const scratch = mkdtempSync(join(tmpdir(), 'coexec-confirm-'));
    try {
      copyFileSync(join(runDir, 'run.json'), join(scratch, 'run.json'));
      const planned = planConfirmPart(scratch, runDir, opts.repoRoot, opts.configs);
      const homePlan: EnginePlan = planned.part ? readJson<EnginePlan>(join(scratch, CONFIRM_PLAN_FILE)) : { ...remotePlan, jobs: [] };
      const difference = planDifference(remotePlan, homePlan);
      if (difference) throw new PlatformError(msg.remoteConfirmMismatch(planRel, difference, runDir));
      const extended = readJson<RunRecord>(join(scratch, 'run.json'));
      extended.parts.find((p) => p.name === 'confirm')!.planId = remotePlan.planId;
      // The device's plan as it ran (its planId is in every result line); run.json last, so an import cut
      // short leaves the run folder without the part and the next import plans it again.
      writeFileSync(join(runDir, CONFIRM_PLAN_FILE), remoteText);
      writeJson(join(runDir, 'run.json'), extended);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const warnings: string[] = [];
  const results = await importPlanResults(bundleDir, { name: 'confirm', path: planRel, planId: remotePlan.planId }, join(runDir, CONFIRM_RAW_FILE), warnings);
  return { planId: remotePlan.planId, results, already: Boolean(homePart), warnings };
}

/** How the device's plan differs from the one planned here, naming the first differing strategy; undefined when equal. */
export function planDifference(remote: EnginePlan, home: EnginePlan): string | undefined {
  const homeIds = new Set(home.jobs.map((j) => j.id));
  const remoteIds = new Set(remote.jobs.map((j) => j.id));
  const extra = remote.jobs.find((j) => !homeIds.has(j.id));
  if (extra) return `strategy "${extra.id}" is not in the pass planned here`;
  const missing = home.jobs.find((j) => !remoteIds.has(j.id));
  if (missing) return `strategy "${missing.id}" is missing from it`;
  if (remote.jobs.length !== home.jobs.length) return `it has ${remote.jobs.length} jobs, the pass planned here ${home.jobs.length}`;
  const changed = remote.jobs.findIndex((j, i) => !isDeepStrictEqual(j, home.jobs[i]));
  if (changed >= 0) return `job ${changed + 1} ("${remote.jobs[changed]!.id}") differs in place or settings`;
  const { planId: _r, jobs: _rj, ...remoteHead } = remote;
  const { planId: _h, jobs: _hj, ...homeHead } = home;
  if (!isDeepStrictEqual(remoteHead, homeHead)) return 'its device or CPU affinity differs';
  return undefined;
}
