/**
 * The step run.sh runs with the carried Node between round 1 and the confirmation pass of a bundle
 * exported with --with-node: `node harness/dist/src/cli/bundle-round2.js BUNDLE_DIR`. Prints the bundle-relative
 * plan to run on stdout (nothing when there is nothing to confirm) and what it did on stderr, one line
 * each. Exit status: 0 ok, 1 a problem (one line, round 1 stays as measured), 2 usage.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigs } from '../config/load.js';
import { isUserError } from '../messages.js';
import { planRemoteConfirm } from '../run/bundle-confirm.js';

/** Runs the step; returns the exit status. */
export async function round2Main(argv: string[], io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) }): Promise<number> {
  const [bundleDir] = argv;
  if (!bundleDir || argv.length !== 1) {
    io.err('usage: node harness/dist/src/cli/bundle-round2.js BUNDLE_DIR');
    return 2;
  }
  try {
    const outcome = await planRemoteConfirm(resolve(bundleDir), loadConfigs);
    for (const note of outcome.notes) io.err(`run.sh: confirm: ${note}`);
    if (outcome.planPath) io.out(outcome.planPath);
    return 0;
  } catch (err) {
    // Bad input (a UserError or PlatformError) is one line; anything else is a harness bug and keeps its stack.
    io.err(`run.sh: confirm: ${isUserError(err) ? err.message : (err as Error)?.stack ?? String(err)}`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  round2Main(process.argv.slice(2)).then((code) => process.exit(code));
}
