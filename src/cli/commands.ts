/**
 * The CLI commands, each a function of its parsed flags that returns an exit status. They load configs,
 * call into the stage modules and print; they never exit the process (only main does).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Configs } from '../config/load.js';
import { loadConfigs } from '../config/load.js';
import { PHASES, type Phase } from '../config/schemas.js';
import { listDevices, pickLocalDevice, selectDevice, supportedSyncs } from '../engine/device-info.js';
import { engineBinaryPath } from '../engine/local.js';
import { msg, UserError } from '../messages.js';
import { createRun, finalizeRun, runExperiment } from '../run/execute.js';
import type { ImportSummary } from '../platforms/bundle.js';
import type { acceptRemoteConfirm as AcceptRemoteConfirm } from '../run/bundle-confirm.js';
import { driverFor, optionalImport } from './drivers.js';

/** Where output goes (tests capture it). */
export interface Io { out: (line: string) => void; err: (line: string) => void }

/** Flags as parseArgs returns them. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

function need(flags: Flags, command: string, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v === '') throw new UserError(msg.missingFlag(command, name), 2);
  return v;
}

function platformOf(configs: Configs, name: string) {
  const p = configs.platforms.get(name);
  if (!p) throw new UserError(msg.unknownPlatform(name, [...configs.platforms.keys()]));
  return p;
}

/** `--phase a,b --phase c` -> phases, checked. */
export function parsePhases(raw: string[] | undefined): Phase[] | undefined {
  if (!raw || raw.length === 0) return undefined;
  const out = raw.flatMap((r) => r.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const p of out) if (!PHASES.includes(p as Phase)) throw new UserError(msg.badFlag(`--phase ${p}: expected one of ${PHASES.join(', ')}`), 2);
  return out as Phase[];
}

/** `--strategies a,b` or `--strategies @file` (one id per line, # comments). */
export function parseStrategies(raw: string | undefined): string[] | undefined {
  if (!raw) return undefined;
  if (raw.startsWith('@')) {
    const file = raw.slice(1);
    if (!existsSync(file)) throw new UserError(msg.badFlag(`--strategies: file ${file} not found`), 2);
    return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  }
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `coexec platforms`. */
export async function platformsCommand(root: string, _flags: Flags, io: Io): Promise<number> {
  const configs = loadConfigs(root);
  const rows = [...configs.platforms.values()].map((p) => [p.name, p.kind, p.class, p.tested ? 'yes' : 'no', p.description]);
  const head = ['name', 'kind', 'class', 'tested', 'description'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.length > 70 ? `${c.slice(0, 67)}...` : c)).join('  ');
  io.out(fmt(head));
  for (const r of rows) io.out(fmt(r));
  return 0;
}

/** `coexec info`. */
export async function infoCommand(root: string, flags: Flags, io: Io): Promise<number> {
  const configs = loadConfigs(root);
  const platform = platformOf(configs, (flags.platform as string | undefined) ?? 'local');
  const driver = await driverFor(platform, root);
  await driver.prepare();
  const info = await driver.info();
  if (flags.json) { io.out(JSON.stringify(info, null, 2)); return 0; }
  const devices = listDevices(info);
  io.out(`platform ${platform.name} (${platform.kind}, ${platform.class}) via ${driver.name}`);
  if (devices.length === 0) throw new UserError(msg.noOpenclDevice());
  for (const d of devices) {
    const syncs = supportedSyncs(d);
    io.out(`  ${d.type.padEnd(5)} ${d.name} [${d.platform}] svm: ${d.svm.join(', ') || 'none'}; sync: ${syncs ? [...syncs].join(', ') : 'not reported'}`);
  }
  if (platform.opencl.autoPick) {
    const pick = pickLocalDevice(devices)!;
    io.out(`picked: ${pick.device.name} (${pick.device.platform}): ${pick.why}`);
  } else {
    const d = selectDevice(devices, platform.opencl);
    io.out(d ? `selected: ${d.name} (${d.platform}) by the platform's opencl selector` : 'no device matches the platform\'s opencl selector');
  }
  return 0;
}

/** `coexec run`. */
export async function runCommand(root: string, flags: Flags, io: Io): Promise<number> {
  const configs = loadConfigs(root);
  // A resumed run takes its experiment, profile and platform from its run.json unless given.
  const resume = flags.resume as string | undefined;
  if (resume && !existsSync(join(resume, 'run.json'))) throw new UserError(msg.resumeMissing(resume));
  const previous = resume ? (JSON.parse(readFileSync(join(resume, 'run.json'), 'utf8')) as { experiment: string; profile: { requested: { name: string } }; platform: string }) : undefined;
  const experiment = previous && !flags.experiment ? previous.experiment : need(flags, 'run', 'experiment');
  const profile = previous && !flags.profile ? previous.profile.requested.name : need(flags, 'run', 'profile');
  const platform = platformOf(configs, (flags.platform as string | undefined) ?? previous?.platform ?? 'local');
  const driver = await driverFor(platform, root);
  const controller = new AbortController();
  const onSigint = () => { io.err('interrupted: stopping the engine; finished jobs are kept'); controller.abort(); };
  process.once('SIGINT', onSigint);
  try {
    const result = await runExperiment({
      configs, repoRoot: root, resultsRoot: resolve((flags.results as string | undefined) ?? join(root, 'results')),
      experiment, profile, platform: platform.name, driver, phases: parsePhases(flags.phase as string[] | undefined),
      resumeDir: resume, strategyIds: parseStrategies(flags.strategies as string | undefined),
      signal: controller.signal, engineBinary: platform.kind === 'local' ? engineBinaryPath(root) : undefined,
    });
    const valid = result.jobs.rows.filter((r) => r.verdict === 'VALID').length;
    if (result.deviceNote) io.out(`device: ${result.deviceNote}`);
    io.out(`run folder: ${result.runDir}`);
    const again = result.jobs.rows.filter((r) => (r.attempts ?? 1) > 1);
    const remeasured = again.length > 0 ? `; ${again.length} re-measured (${result.remeasuredNow} lines now), ${again.filter((r) => r.verdict === 'VALID').length} of them VALID` : '';
    io.out(`jobs: ${result.finished}/${result.total} finished (${result.measuredNow} now), ${valid} VALID, ${result.jobs.rows.length - valid} INVALID${remeasured}`);
    if (!result.complete) {
      if (controller.signal.aborted) throw new UserError(msg.interrupted(result.finished, result.total, result.runDir));
      throw new UserError(msg.engineFailed(driver.name, result.exitCode, result.stderrTail));
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** `coexec export`: plan a run folder and write the offline bundle. */
export async function exportCommand(root: string, flags: Flags, io: Io): Promise<number> {
  const configs = loadConfigs(root);
  if (flags.remeasure !== undefined) return exportRemeasure(root, configs, flags, io);
  const experiment = need(flags, 'export', 'experiment');
  const profile = need(flags, 'export', 'profile');
  const out = need(flags, 'export', 'out');
  const platform = platformOf(configs, need(flags, 'export', 'platform'));
  const bundle = await optionalImport('../platforms/bundle.js');
  const exportBundle = bundle?.exportBundle as ((o: unknown) => Promise<{ outDir: string }>) | undefined;
  if (!exportBundle) throw new UserError(msg.driverUnavailable('bundle', 'src/platforms/bundle.ts (exportBundle)'));
  const resumeDir = flags.resume as string | undefined;
  const phases = parsePhases(flags.phase as string[] | undefined);
  const withNode = flags['with-node'] === true;
  if (withNode) checkWithNode(root, configs, experiment, resumeDir, phases);
  const { runDir, record } = createRun({
    configs, repoRoot: root, resultsRoot: resolve((flags.results as string | undefined) ?? join(root, 'results')), experiment, profile,
    platform: platform.name, phases, strategyIds: parseStrategies(flags.strategies as string | undefined),
    driverName: 'bundle', resumeDir,
  }, undefined);
  // Extending a run (the confirmation pass after the grid came back) exports only the parts of the asked
  // phases: the earlier parts are already measured and imported.
  const parts = resumeDir && phases ? record.parts.filter((p) => p.phases.some((ph) => phases.includes(ph))) : record.parts;
  const extraDebs = ([] as string[]).concat((flags['extra-deb'] as string[] | string | undefined) ?? []);
  const result = await exportBundle({
    outDir: out, repoRoot: root, platform, extraDebs,
    plans: parts.map((p) => ({ name: p.name, planPath: join(runDir, p.planFile) })),
    ...(withNode ? { harness: { repoRoot: root, runDir } } : {}),
  });
  io.out(`run folder: ${runDir}`);
  io.out(`bundle: ${result.outDir} (run ./run.sh there, then: coexec import --bundle ${result.outDir} --run ${runDir})`);
  if (withNode) io.out(`carries Node ${process.version} (${process.platform}-${process.arch}): run.sh also plans and measures the confirmation pass`);
  return 0;
}

/**
 * `export --resume RUN --remeasure S`: the next re-measurement round of every part of an imported run
 * (src/run/bundle-remeasure.ts), S seconds of extra engine time per part, as a bundle of its own.
 */
async function exportRemeasure(root: string, configs: Configs, flags: Flags, io: Io): Promise<number> {
  const runDir = flags.resume as string | undefined;
  if (!runDir) throw new UserError(msg.badFlag('export --remeasure S needs --resume RUN_DIR (the imported run to measure again)'), 2);
  if (flags.phase !== undefined || flags.strategies !== undefined || flags['with-node'] === true) {
    throw new UserError(msg.badFlag('export --remeasure: --phase, --strategies and --with-node do not apply (it plans rounds of the parts already measured)'), 2);
  }
  const extraS = Number(flags.remeasure);
  if (!Number.isFinite(extraS) || extraS <= 0) throw new UserError(msg.badFlag(`--remeasure ${String(flags.remeasure)}: expected seconds of extra engine time per part, > 0`), 2);
  if (!existsSync(join(runDir, 'run.json'))) throw new UserError(msg.resumeMissing(runDir));
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { platform: string };
  const platform = platformOf(configs, (flags.platform as string | undefined) ?? record.platform);
  if (record.platform !== platform.name) throw new UserError(msg.badFlag(`--platform ${platform.name}: ${runDir} was measured on ${record.platform}`), 2);
  const exportBundle = (await optionalImport('../platforms/bundle.js'))?.exportBundle as ((o: unknown) => Promise<{ outDir: string }>) | undefined;
  if (!exportBundle) throw new UserError(msg.driverUnavailable('bundle', 'src/platforms/bundle.ts (exportBundle)'));
  // Checked before planning: a round is recorded in run.json as soon as it is planned.
  const out = need(flags, 'export', 'out');
  if (existsSync(out) && readdirSync(out).length > 0) throw new UserError(msg.badFlag(`--out ${out} exists and is not empty: choose a new folder for the bundle`), 2);
  const { planBundleRemeasure } = await import('../run/bundle-remeasure.js');
  const { rounds, stopped } = planBundleRemeasure(runDir, { extraS, configs });
  for (const s of stopped) io.out(`no round for ${s}`);
  if (rounds.length === 0) {
    io.out(`nothing to measure again in ${runDir}: no bundle written`);
    return 0;
  }
  // The manifest covers run.json and the plans: a run waiting for its round's results stays whole.
  finalizeRun(runDir, { repoRoot: root, configs });
  for (const r of rounds) io.out(`${r.part}, round ${r.round}: ${r.jobs} jobs, at most ${r.budgetS.toFixed(0)} s of engine time`);
  const extraDebs = ([] as string[]).concat((flags['extra-deb'] as string[] | string | undefined) ?? []);
  const result = await exportBundle({ outDir: out, repoRoot: root, platform, extraDebs, plans: rounds.map((r) => ({ name: r.name, planPath: r.planPath })) });
  io.out(`bundle: ${result.outDir} (run ./run.sh there, then: coexec import --bundle ${result.outDir} --run ${runDir})`);
  return 0;
}

/** --with-node: only for round 1 of an experiment with a confirm phase, and only from a built harness. */
function checkWithNode(root: string, configs: Configs, experiment: string, resumeDir: string | undefined, phases: Phase[] | undefined): void {
  const exp = configs.experiments.get(experiment);
  if (!exp) throw new UserError(msg.unknownExperiment(experiment, [...configs.experiments.keys()]));
  if (!exp.phases.includes('confirm')) throw new UserError(msg.withNodeNoConfirm(exp.id, exp.phases));
  if (resumeDir || phases?.includes('confirm')) throw new UserError(msg.withNodeRoundOneOnly(), 2);
  // Before planning, so that a missing build does not leave an empty run folder behind.
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'bundle-round2.js'))) {
    throw new UserError(msg.withNodeNeedsBuild(join(root, 'dist', 'src')));
  }
}

/** `coexec import`: bring a bundle's results into its run folder and finish it. */
export async function importCommand(root: string, flags: Flags, io: Io): Promise<number> {
  const configs = loadConfigs(root);
  const bundleDir = need(flags, 'import', 'bundle');
  const runDir = need(flags, 'import', 'run');
  if (!existsSync(join(runDir, 'run.json'))) throw new UserError(msg.resumeMissing(runDir));
  const bundle = await optionalImport('../platforms/bundle.js');
  const importBundle = bundle?.importBundle as ((b: string, r: string) => Promise<ImportSummary>) | undefined;
  const withBundleDir = bundle?.withBundleDir as (<T>(b: string, use: (dir: string) => Promise<T>) => Promise<T>) | undefined;
  if (!importBundle || !withBundleDir) throw new UserError(msg.driverUnavailable('bundle', 'src/platforms/bundle.ts (importBundle)'));
  const acceptRemoteConfirm = (await optionalImport('../run/bundle-confirm.js'))?.acceptRemoteConfirm as typeof AcceptRemoteConfirm | undefined;
  return withBundleDir(bundleDir, async (dir) => {
    const summary = await importBundle(dir, runDir);
    for (const p of summary.plans) io.out(`${p.name}: ${p.newLines} new lines, ${p.done} jobs done, ${p.missing} missing`);
    let fin = finalizeRun(runDir, { repoRoot: root, configs });
    // A bundle exported --with-node may bring a confirmation pass planned on the device: checked against
    // the pass planned here from the round 1 just imported (jobs.json above), then imported.
    const confirm = await acceptRemoteConfirm?.(dir, runDir, { repoRoot: root, configs });
    if (confirm) {
      const r = confirm.results;
      io.out(`confirm: ${confirm.already ? 'planned on the device (imported before)' : 'planned on the device, same as planned here'}; ${r.newLines} new lines, ${r.done} jobs done, ${r.missing} missing`);
      for (const w of confirm.warnings) io.err(`warning: ${w}`);
      fin = finalizeRun(runDir, { repoRoot: root, configs });
    }
    for (const w of summary.warnings) io.err(`warning: ${w}`);
    io.out(`run folder: ${runDir}: ${fin.finished}/${fin.total} jobs`);
    return 0;
  });
}

/** Commands whose module another part of the project provides. */
export const DELEGATED: Record<string, { module: string; exportName: string }> = {
  reproduce: { module: '../reproduce/reproduce.js', exportName: 'reproduceCommand' },
  figures: { module: '../report/figures.js', exportName: 'figuresCommand' },
  derive: { module: '../analysis/derive-command.js', exportName: 'deriveCommand' },
  yardsticks: { module: '../report/yardsticks.js', exportName: 'yardsticksCommand' },
  breakdown: { module: '../report/breakdown-command.js', exportName: 'breakdownCommand' },
  'vs-pytorch': { module: '../report/vs-pytorch-command.js', exportName: 'vsPytorchCommand' },
  validate: { module: '../validate/validate.js', exportName: 'validateCommand' },
  compact: { module: '../run/compact.js', exportName: 'compactCommand' },
};

/** reproduce / figures / derive / yardsticks / validate / compact: call the module's `(args: string[], root: string) => Promise<number>`. */
export async function delegatedCommand(name: string, args: string[], root: string): Promise<number> {
  const target = DELEGATED[name]!;
  const mod = await optionalImport(target.module);
  const fn = mod?.[target.exportName] as ((a: string[], r: string) => Promise<number>) | undefined;
  if (!fn) throw new UserError(msg.notYetAvailable(name, `${target.module.replace('../', 'src/').replace(/\.js$/, '.ts')} (${target.exportName})`));
  return fn(args, root);
}
