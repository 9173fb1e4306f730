/**
 * Every message the harness shows a user for a mistake they can fix (bad config, bad flag, missing engine),
 * written as a function of its parameters so that tests compare against the same text the CLI prints.
 * Anything thrown that is not a UserError is a bug in the harness and keeps its stack.
 */

/** A mistake the user can fix; the CLI prints `error: <message>` on one line and exits 1 (or 2 for usage). */
export class UserError extends Error {
  /** Exit status the CLI uses: 1 for failures, 2 for usage errors. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Whether a thrown value is a user's mistake (a UserError, or any error marked `userError`, e.g. PlatformError): one line, no stack. */
export function isUserError(err: unknown): err is Error {
  return err instanceof UserError || (err as { userError?: boolean } | undefined)?.userError === true;
}

/** Shortens a value for "found ..." in a message: JSON, cut at 60 characters. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export const msg = {
  // configs
  configNotJson: (file: string, detail: string) => `${file}: not valid JSON (${detail})`,
  configNotFound: (file: string) => `${file}: file not found`,
  configInvalid: (file: string, path: string, expected: string, found: unknown) =>
    `${file}: ${path || '/'}: expected ${expected}, found ${shown(found)}`,
  configNameMismatch: (file: string, field: string, value: string, fromFile: string) =>
    `${file}: /${field}: expected "${fromFile}" (the file name), found ${shown(value)}`,
  unknownReference: (file: string, path: string, kind: string, id: string, known: string[]) =>
    `${file}: ${path}: expected one of the ${kind} (${known.slice(0, 6).join(', ')}${known.length > 6 ? ', ...' : ''}), found ${shown(id)}`,
  duplicateId: (file: string, path: string, id: string, otherFile: string) =>
    `${file}: ${path}: expected a unique id, found ${shown(id)} (also in ${otherFile})`,
  layerTypeMismatch: (file: string, path: string, expected: string, id: string, found: string) =>
    `${file}: ${path}: expected a ${expected} workload, found ${shown(id)} (a ${found} layer)`,
  spaceNotNarrowing: (file: string, path: string, value: unknown, spaceName: string) =>
    `${file}: ${path}: expected values from space "${spaceName}", found ${shown(value)}`,
  unknownPlatform: (name: string, known: string[]) =>
    `unknown platform "${name}": expected one of ${known.join(', ')} (see \`coexec platforms\`)`,
  unknownExperiment: (name: string, known: string[]) =>
    `unknown experiment "${name}": expected one of ${known.join(', ')}`,
  unknownProfile: (name: string, known: string[]) => `unknown profile "${name}": expected one of ${known.join(', ')}`,
  // plans
  phaseNotInExperiment: (phase: string, experiment: string, phases: string[]) =>
    `experiment "${experiment}" has no phase "${phase}" (it has ${phases.join(', ')})`,
  confirmNeedsStrategies: () => 'phase "confirm" needs the strategy ids to re-measure: pass --strategies ID,ID or --strategies @FILE',
  badStrategyId: (id: string, why: string) => `strategy id "${id}" cannot be read: ${why}`,
  emptyPlan: (experiment: string, phase: string) =>
    `experiment "${experiment}" phase "${phase}" expands to no job on this device (all skipped): see plan skips in run.json`,
  // runs
  resumeMissing: (dir: string) => `cannot resume ${dir}: no run.json there (is it a run folder?)`,
  resumeOtherPlatform: (dir: string, runPlatform: string, platform: string) =>
    `cannot resume ${dir}: it was run on platform "${runPlatform}", not "${platform}"`,
  engineFailed: (driver: string, exitCode: number, stderrTail: string) =>
    `engine (${driver}) exited with status ${exitCode}${stderrTail ? `: ${stderrTail.trim().split('\n').slice(-1)[0]}` : ''}; ` +
    'measured jobs are kept, rerun with --resume to continue',
  badPlanForEngine: (driver: string, stderrTail: string) =>
    `engine (${driver}) rejected the plan: ${stderrTail.trim().split('\n').slice(-1)[0] ?? ''}`,
  // engine
  engineMissing: (path: string) =>
    `engine not found at ${path} and building it failed: run \`bash scripts/build-engine.sh\` and read its output`,
  engineInfoNotJson: (driver: string, detail: string) => `engine (${driver}) info did not print JSON: ${detail}`,
  noOpenclDevice: () =>
    'no OpenCL device found by the engine: install an ICD (e.g. pocl-opencl-icd) or run `coexec info` to see what was detected',
  bundleOnly: (platform: string) =>
    `platform "${platform}" is measured through an offline bundle: run \`coexec export --platform ${platform} ...\`, then \`coexec import\` (ARTIFACT.md section E; \`--with-node\` also runs the confirmation pass there)`,
  withNodeNoConfirm: (experiment: string, phases: string[]) =>
    `export --with-node plans the confirmation pass on the device, but experiment "${experiment}" has no confirm phase (it has ${phases.join(', ')}): export without --with-node`,
  withNodeRoundOneOnly: () =>
    'export --with-node carries round 1 (the phases before confirm) and plans the confirmation pass on the device: leave out --resume and --phase confirm',
  withNodeNeedsBuild: (distSrc: string) =>
    `export --with-node carries the compiled harness, but ${distSrc} is missing or stale: run \`npm run build\` first`,
  remoteConfirmMismatch: (planFile: string, difference: string, runDir: string) =>
    `import: the confirmation pass planned on the device (${planFile}) is not the one planned here from the imported round-1 results: ${difference}; ` +
    `round 1 is imported: plan the pass here (scripts/confirm-list.mjs, then coexec export --resume ${runDir} --phase confirm --strategies @FILE)`,
  confirmAlreadyPlanned: (runDir: string, homePlanId: string, remotePlanId: string) =>
    `import: ${runDir} already has a confirmation pass (${homePlanId}): the one planned on the device (${remotePlanId}) is left out`,
  interrupted: (finished: number, total: number, runDir: string) =>
    `interrupted after ${finished} of ${total} jobs: continue with --resume ${runDir}`,
  driverUnavailable: (kind: string, modulePath: string) =>
    `platform kind "${kind}" needs ${modulePath}, which is not available in this build`,
  // CLI
  unknownCommand: (name: string) => `unknown command "${name}": see \`coexec --help\``,
  badFlag: (detail: string) => `${detail}: see \`coexec --help\``,
  missingFlag: (command: string, flag: string) => `${command} needs --${flag}: see \`coexec ${command} --help\``,
  notYetAvailable: (command: string, modulePath: string) =>
    `"${command}" is not yet available in this build (${modulePath} is missing)`,
  // manifest
  manifestMissing: (dir: string) => `${dir}: no manifest.json`,
  // raw files (stored plain or gzip-compressed by `coexec compact`)
  rawAmbiguous: (plain: string, gz: string) =>
    `${plain} and ${gz} both exist: keep the one with the current lines and remove the other (\`zcmp\` compares them)`,
  rawNotGzip: (file: string, detail: string) => `${file}: not a readable gzip file (${detail}): restore it from git or a backup`,
};
