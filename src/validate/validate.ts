/**
 * The `validate` command: `coexec validate [RUN_DIR...] [--min-valid 0.9] [--max-retest-change PCT] [--class NAME] [--experiments DIR]`.
 * Prints runValidate's lines per run folder in three sections (integrity, validity, claims) and a last
 * line per folder that says which section failed; the exit status names the combination (outcome.ts:
 * 0 all PASS, 1 broken folder, 2 usage, 3 validity only, 4 claims only, 5 validity and claims). Without
 * RUN_DIR it checks every run folder under ROOT/results.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findRunDirs } from '../report/run-dirs.js';
import { allOf, EXIT, exitStatusOf, sectionsText, whatFailed, type SectionVerdicts } from './outcome.js';
import { runValidate, type ValidateResult } from './run-validate.js';

export { runValidate } from './run-validate.js';
export type { ValidateOptions, ValidateResult } from './run-validate.js';

/** The section headings printed before each section's lines. */
const HEADINGS: Record<keyof ValidateResult['sections'], string> = {
  integrity: 'integrity: manifest, hashes and schemas of the files',
  validity: 'validity: the measurement (share of VALID jobs)',
  claims: 'claims: measured values against their ranges',
};

/** runValidate's lines under their section headings. */
export function sectionLines(result: ValidateResult): string[] {
  const out: string[] = [];
  for (const [key, heading] of Object.entries(HEADINGS) as [keyof ValidateResult['sections'], string][]) {
    const section = result.sections[key];
    if (section.lines.length === 0) continue;
    out.push(`${heading}: ${section.ok ? 'PASS' : 'FAIL'}`, ...section.lines.map((l) => `  ${l}`));
  }
  return out;
}

/** Parses args, validates, prints; returns the exit status (outcome.ts EXIT: 0 all PASS, 1 broken, 2 usage, 3/4/5). */
export async function validateCommand(args: string[], root: string = process.cwd(), print: (line: string) => void = console.log): Promise<number> {
  const dirs: string[] = [];
  let minValidShare: number | undefined;
  let maxRetestMedianApePct: number | undefined;
  let platformClass: string | undefined;
  let experimentsDir = join(root, 'experiments');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--min-valid') minValidShare = Number(args[++i]);
    else if (a === '--max-retest-change') maxRetestMedianApePct = Number(args[++i]);
    else if (a === '--class') platformClass = args[++i];
    else if (a === '--experiments') experimentsDir = resolve(args[++i] ?? '');
    else if (a.startsWith('-')) { print(`validate: unknown option ${a} (known: --min-valid SHARE, --max-retest-change PCT, --class NAME, --experiments DIR)`); return EXIT.usage; }
    else dirs.push(resolve(a));
  }
  if (minValidShare !== undefined && !(minValidShare >= 0 && minValidShare <= 1)) {
    print('validate: --min-valid takes a share between 0 and 1, e.g. 0.9'); return 2;
  }
  if (maxRetestMedianApePct !== undefined && !(maxRetestMedianApePct > 0)) {
    print('validate: --max-retest-change takes a percentage above 0, e.g. 15'); return 2;
  }
  if (dirs.length === 0) {
    dirs.push(...findRunDirs(join(root, 'results')));
    if (dirs.length === 0) { print(`validate: no run folders under ${join(root, 'results')}; name one, e.g. validate results/local/<run-id>`); return 2; }
  }
  const failedDirs: string[] = [];
  const verdicts: SectionVerdicts[] = [];
  for (const dir of dirs) {
    if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) { print(`validate: ${dir} is not a folder`); return EXIT.usage; }
    const result = await runValidate(dir, { minValidShare, maxRetestMedianApePct, platformClass, experimentsDir });
    const { ok, lines } = result;
    if (dirs.length > 1) print(`== ${dir}`);
    for (const l of sectionLines(result)) print(l);
    const bad = lines.filter((l) => l.startsWith('FAIL')).length;
    print(ok ? `validate: ${dir}: all ${lines.length} checks PASS`
      : `validate: ${dir}: ${bad} of ${lines.length} checks FAIL (${sectionsText(result.verdicts)}): ${whatFailed(result.verdicts)}`);
    if (!ok) failedDirs.push(dir);
    verdicts.push(result.verdicts);
  }
  const all = allOf(verdicts);
  // With several folders the per-folder verdicts scroll away: one last line says how the whole set fared.
  if (dirs.length > 1) {
    print(failedDirs.length === 0
      ? `validate: all ${dirs.length} run folders PASS`
      : `validate: ${failedDirs.length} of ${dirs.length} run folders FAIL (${sectionsText(all)}): ${whatFailed(all)}; folders: ${failedDirs.join(', ')}`);
  }
  return exitStatusOf(all);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await validateCommand(process.argv.slice(2));
}
