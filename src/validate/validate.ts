/**
 * The `validate` command: `coexec validate [RUN_DIR...] [--min-valid 0.9] [--class NAME] [--experiments DIR]`.
 * Prints runValidate's lines per run folder and a last summary line; exit status 0 only when every check of
 * every folder passed. Without RUN_DIR it checks every run folder under ROOT/results.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findRunDirs } from '../report/run-dirs.js';
import { runValidate } from './run-validate.js';

export { runValidate } from './run-validate.js';
export type { ValidateOptions, ValidateResult } from './run-validate.js';

/** Parses args, validates, prints; returns the exit status (0 all PASS, 1 any FAIL, 2 usage error). */
export async function validateCommand(args: string[], root: string = process.cwd(), print: (line: string) => void = console.log): Promise<number> {
  const dirs: string[] = [];
  let minValidShare: number | undefined;
  let platformClass: string | undefined;
  let experimentsDir = join(root, 'experiments');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--min-valid') minValidShare = Number(args[++i]);
    else if (a === '--class') platformClass = args[++i];
    else if (a === '--experiments') experimentsDir = resolve(root, args[++i] ?? '');
    else if (a.startsWith('-')) { print(`validate: unknown option ${a} (known: --min-valid SHARE, --class NAME, --experiments DIR)`); return 2; }
    else dirs.push(resolve(root, a));
  }
  if (minValidShare !== undefined && !(minValidShare >= 0 && minValidShare <= 1)) {
    print('validate: --min-valid takes a share between 0 and 1, e.g. 0.9'); return 2;
  }
  if (dirs.length === 0) {
    dirs.push(...findRunDirs(join(root, 'results')));
    if (dirs.length === 0) { print(`validate: no run folders under ${join(root, 'results')}; name one, e.g. validate results/local/<run-id>`); return 2; }
  }
  const failedDirs: string[] = [];
  for (const dir of dirs) {
    if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) { print(`validate: ${dir} is not a folder`); return 2; }
    const { ok, lines } = await runValidate(dir, { minValidShare, platformClass, experimentsDir });
    if (dirs.length > 1) print(`== ${dir}`);
    for (const l of lines) print(l);
    const bad = lines.filter((l) => l.startsWith('FAIL')).length;
    print(ok ? `validate: ${dir}: all ${lines.length} checks PASS` : `validate: ${dir}: ${bad} of ${lines.length} checks FAIL`);
    if (!ok) failedDirs.push(dir);
  }
  // With several folders the per-folder verdicts scroll away: one last line says how the whole set fared.
  if (dirs.length > 1) {
    print(failedDirs.length === 0
      ? `validate: all ${dirs.length} run folders PASS`
      : `validate: ${failedDirs.length} of ${dirs.length} run folders FAIL: ${failedDirs.join(', ')}`);
  }
  return failedDirs.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await validateCommand(process.argv.slice(2));
}
