/**
 * `coexec reproduce`: the artifact's one command. It reads as the pipeline it runs:
 *
 *   1. load and validate every config;
 *   2. build the engine and probe the platform (which OpenCL device, which sync mechanisms work), and time a
 *      short fixed workload to estimate this machine's noise (one line, with the way out when it is too noisy);
 *   3. per experiment: measure its phases (sync round trips, profiling slices, the exhaustive grid), then
 *      measure again, in bounded rounds, the jobs INVALID only for want of time (src/run/remeasure.ts);
 *   4. per co-execution experiment: train the predictors on the profile, pick the strategies to confirm
 *      (oracle, selected, best single sides, GPU-only finish, the grid's runners-up) and re-measure them together;
 *   5. derive speedups, decision quality and predictor accuracy from the measurements;
 *   6. render tables, figures and the HTML report from the run folders alone;
 *   7. validate every run (integrity, measurement validity, claims: three sections, three verdicts) and
 *      end with one line that says which section failed; the exit status says the same (validate/outcome.ts).
 *
 * Each step is one call into its stage's module; this file only sequences them and prints.
 */
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deriveAndRehash } from '../analysis/derive-command.js';
import { confirmListForRunDir } from '../analysis/derive.js';
import { driverFor } from '../cli/drivers.js';
import { loadConfigs } from '../config/load.js';
import { engineBinaryPath } from '../engine/local.js';
import { msg, UserError } from '../messages.js';
import { renderFigures } from '../report/render-run.js';
import { runExperiment, type RunResult } from '../run/execute.js';
import { runValidate } from '../validate/run-validate.js';
import { sectionLines } from '../validate/validate.js';
import { allOf, EXIT_STATUS_HELP, exitStatusOf, sectionsText, whatFailed, type SectionVerdicts } from '../validate/outcome.js';
import { measureNoise, noiseLine } from '../env/noise.js';
import { planPhase } from '../plan/expand.js';

/** The experiments `reproduce` runs when none are named, in the order they run. */
export const DEFAULT_EXPERIMENTS = ['sync-overhead', 'predictor-accuracy', 'linear-coexec', 'conv-coexec'] as const;

const HELP = `coexec reproduce: run every experiment on a platform, derive, render and validate the claims

usage: coexec reproduce [--platform NAME] [--profile quick|full] [--experiment ID ...] [--results DIR]
                        [--min-valid SHARE] [--no-png]

  --platform NAME     where to measure (default: local, this machine; see \`coexec platforms\`)
  --profile NAME      how hard to measure (default: quick, about 5-10 minutes on a 2-core machine)
  --experiment ID     run only these experiments (repeatable; default: ${DEFAULT_EXPERIMENTS.join(', ')})
  --results DIR       folder holding results/<platform>/<run-id>/ (default: ./results)
  --min-valid SHARE   VALID share of layer jobs that validate requires, 0..1 (default 0.9)
  --no-png            render SVG only (faster)

Before measuring it times a short fixed CPU workload and a GPU round trip to estimate this machine's noise
(env-before.json and derived/summary.json \`noise\`) and says in one line when the profile's CI limit is out
of reach. Jobs INVALID only for want of time (dispersion, too few samples) are measured again (profile measurement.remeasure).
${EXIT_STATUS_HELP}

example: coexec reproduce --profile quick
Offline-bundle platforms (gpu-host, pocl-split) are measured with \`coexec export\` and \`coexec import\`.`;

/** One experiment's run folder after every step. */
interface ExperimentOutcome { experiment: string; runDir: string; result: RunResult }

/** Parses args and runs the pipeline; returns the exit status (validate/outcome.ts EXIT: 0, 1, 2, 3, 4, 5). */
export async function reproduceCommand(args: string[], root: string = process.cwd(), print: (line: string) => void = console.log): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args, allowPositionals: false, options: {
        platform: { type: 'string', default: 'local' }, profile: { type: 'string', default: 'quick' },
        experiment: { type: 'string', multiple: true }, results: { type: 'string' }, 'min-valid': { type: 'string' },
        'no-png': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    throw new UserError(msg.badFlag(`reproduce: ${(err as Error).message}`), 2);
  }
  if (flags.help) { print(HELP); return 0; }
  const minValidShare = flags['min-valid'] === undefined ? undefined : Number(flags['min-valid']);
  if (minValidShare !== undefined && !(minValidShare >= 0 && minValidShare <= 1)) {
    throw new UserError(msg.badFlag(`--min-valid ${flags['min-valid']}: expected a share between 0 and 1`), 2);
  }
  const startedMs = Date.now();
  const resultsRoot = resolve(flags.results ?? join(root, 'results'));

  // 1. configs
  const configs = loadConfigs(root);
  const platform = configs.platforms.get(flags.platform!);
  if (!platform) throw new UserError(msg.unknownPlatform(flags.platform!, [...configs.platforms.keys()]));
  const experiments = flags.experiment ?? [...DEFAULT_EXPERIMENTS];
  for (const e of experiments) if (!configs.experiments.has(e)) throw new UserError(msg.unknownExperiment(e, [...configs.experiments.keys()]));
  if (!configs.profiles.has(flags.profile!)) throw new UserError(msg.unknownProfile(flags.profile!, [...configs.profiles.keys()]));

  // 2. engine and platform
  print(`[1/6] building the engine and probing platform "${platform.name}"`);
  const driver = await driverFor(platform, root);
  await driver.prepare();
  const engineBinary = platform.kind === 'local' ? engineBinaryPath(root) : undefined;
  // The noise estimate, once for every experiment: planned against the first experiment's device and the
  // thread counts all experiments use (their phases' plans, not run: planning is pure).
  const info = await driver.info();
  const profile = configs.profiles.get(flags.profile!)!;
  const plans = experiments.flatMap((e) => {
    const def = configs.experiments.get(e)!;
    return def.phases.filter((ph) => ph !== 'confirm').map((ph) => planPhase(def, profile, platform, ph, { configs, engineInfo: info }).engine);
  });
  const noise = await measureNoise(driver, { ...plans[0]!, jobs: plans.flatMap((p) => p.jobs) }, profile.validity, profile.measurement);
  print(`      ${noiseLine(noise, profile.name)}`);
  const common = { configs, repoRoot: root, resultsRoot, profile: flags.profile!, platform: platform.name, driver, engineBinary, noise };

  // 3-4. measure each experiment, then its confirmation pass
  const outcomes: ExperimentOutcome[] = [];
  for (const [i, experiment] of experiments.entries()) {
    print(`[2/6] measuring ${experiment} (${i + 1}/${experiments.length})`);
    let result = await runExperiment({ ...common, experiment });
    if (!result.complete) throw new UserError(msg.engineFailed(driver.name, result.exitCode, result.stderrTail));
    if (result.deviceNote && i === 0) print(`      device: ${result.deviceNote}`);
    if (configs.experiments.get(experiment)!.phases.includes('confirm')) {
      const confirm = confirmListForRunDir(result.runDir, join(root, 'experiments'));
      if (confirm.length > 0) {
        print(`[3/6] confirming ${confirm.length} strategies of ${experiment} (oracle, selected, best single sides, GPU-only finish, grid runners-up)`);
        result = await runExperiment({ ...common, experiment, resumeDir: result.runDir, phases: ['confirm'], strategyIds: confirm.map((c) => c.strategyId) });
        if (!result.complete) throw new UserError(msg.engineFailed(driver.name, result.exitCode, result.stderrTail));
      } else {
        print(`      ${experiment}: no layer has a complete grid of VALID jobs; nothing to confirm`);
      }
    }
    outcomes.push({ experiment, runDir: result.runDir, result });
  }

  // 5. derive (then re-hash the run folder so the manifest covers the derived files)
  print('[4/6] deriving speedups, decision quality and predictor accuracy');
  for (const o of outcomes) await deriveAndRehash(o.runDir, root);

  // 6. tables, figures, report
  print('[5/6] rendering tables, figures and the report');
  // Figures go next to the results folder (./figures for ./results), so a run elsewhere leaves the repo's alone.
  await renderFigures(outcomes.map((o) => o.runDir), { figuresRoot: join(dirname(resultsRoot), 'figures'), noPng: flags['no-png'] });

  // 7. validate and summarize
  print('[6/6] validating runs: integrity, measurement validity and claims apart');
  const verdicts: SectionVerdicts[] = [];
  const validityLines: string[] = [];
  const claimLines: string[] = [];
  for (const o of outcomes) {
    const v = await runValidate(o.runDir, { experimentsDir: join(root, 'experiments'), ...(minValidShare === undefined ? {} : { minValidShare }) });
    verdicts.push(v.verdicts);
    print(`\n${o.experiment}: ${relative(root, o.runDir)}  (${sectionsText(v.verdicts)})`);
    for (const line of sectionLines(v)) print(`  ${line}`);
    // A line is "<VERDICT>  <check> ..."; the verdict is PASS, FAIL, N/A, UNDECIDED or INFO (not this class).
    const split = (l: string) => /^(\S+(?: \S+)?)\s{2}(.*)$/.exec(l.replace(/^N\/A /, 'N/A'))?.slice(1) ?? [l.slice(0, 4), l.slice(6)];
    validityLines.push(...v.sections.validity.lines.map((l) => { const [tag, rest] = split(l); return `${tag!.padEnd(4)}  ${o.experiment}: ${rest!.replace(/^valid\s+/, '')}`; }));
    claimLines.push(...v.sections.claims.lines.map((l) => { const [tag, rest] = split(l); return `${tag!.padEnd(4)}  ${o.experiment}: ${rest!.replace(/^claims?\s+/, '')}`; }));
  }
  // The two sections an evaluator reads, side by side for all experiments, then the one-line verdict.
  print('\nmeasurement validity (is the measurement good enough to judge?):');
  for (const l of validityLines) print(`  ${l}`);
  if (noise.tooNoisy) print(`  note: ${noiseLine(noise, profile.name)}`);
  print('claims (does the result hold here?):');
  // Short form: measured, paper and range; the full line (range source, data used) is printed above.
  for (const l of claimLines) print(`  ${l.replace(/, data .*$/, '').replace(/ from \S+ \(([^)]*)\)$/, ' ($1)')}`);
  const all = allOf(verdicts);
  const minutes = ((Date.now() - startedMs) / 60000).toFixed(1);
  const status = exitStatusOf(all);
  print(`\nreproduce: ${whatFailed(all)} (${sectionsText(all)}; exit ${status}) in ${minutes} min; report: ${outcomes.map((o) => relative(root, join(o.runDir, 'report', 'index.html'))).join(', ')}`);
  return status;
}
