/**
 * The verdict of `validate` and `reproduce` in three independent sections, so that an evaluator can tell
 * "the files are broken" from "the machine was too noisy" from "the claim does not hold":
 *
 *   integrity  manifest, hashes and schemas of the run folder's files;
 *   validity   the measurement: the share of VALID layer jobs (each job's verdict: samples, dispersion,
 *              drift, correct result);
 *   claims     each claim's measured value against its range for the platform class.
 *
 * One exit status names the combination (EXIT_STATUS_HELP); a broken folder outranks the others, since
 * neither its measurement nor its claims can be trusted.
 */

/** Which sections passed. */
export interface SectionVerdicts { integrity: boolean; validity: boolean; claims: boolean }

/** The VALID share of layer jobs validity needs unless --min-valid says otherwise. */
export const DEFAULT_MIN_VALID_SHARE = 0.9;

/** Exit statuses of validate and reproduce. */
export const EXIT = { ok: 0, broken: 1, usage: 2, validity: 3, claims: 4, validityAndClaims: 5 } as const;

/** The exit statuses in words, for --help, README and ARTIFACT.md. */
export const EXIT_STATUS_HELP = `Exit status: 0 every check PASSED; 1 a run folder is broken (manifest, hashes, schemas) or an error
stopped the run; 2 usage error; 3 measurement validity FAILED (too few VALID jobs, or a claim's 95% interval
too wide to decide it: the machine was too noisy) while every other claim PASSED; 4 a claim FAILED while validity PASSED; 5 both validity and a claim FAILED.`;

/** Every section of every folder must pass for the set to pass. */
export function allOf(verdicts: readonly SectionVerdicts[]): SectionVerdicts {
  return {
    integrity: verdicts.every((v) => v.integrity),
    validity: verdicts.every((v) => v.validity),
    claims: verdicts.every((v) => v.claims),
  };
}

/** The exit status for a verdict (see EXIT). */
export function exitStatusOf(v: SectionVerdicts): number {
  if (!v.integrity) return EXIT.broken;
  if (!v.validity && !v.claims) return EXIT.validityAndClaims;
  if (!v.validity) return EXIT.validity;
  if (!v.claims) return EXIT.claims;
  return EXIT.ok;
}

/** "integrity PASS, validity FAIL, claims PASS". */
export function sectionsText(v: SectionVerdicts): string {
  const w = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  return `integrity ${w(v.integrity)}, validity ${w(v.validity)}, claims ${w(v.claims)}`;
}

/** What failed, in words, with the way out: the tail of the last line. */
export function whatFailed(v: SectionVerdicts): string {
  if (!v.integrity) return 'run folder broken (files do not match manifest.json or their schema): the measurement and claims cannot be judged';
  if (!v.validity && !v.claims) return 'measurement validity FAILED and a claim FAILED: rerun on a quieter machine before judging the claims';
  if (!v.validity) return 'measurement validity FAILED (too few VALID jobs, or a claim too noisy to decide: the machine was too noisy), every decided claim PASSED: the causes line under validity, where there is one, says why; on a noisy machine close other programs and rerun, on a shared host with steal time rerun later or elsewhere, or give noisy jobs more time (profile measurement.remeasure; a bundle run: coexec export --resume RUN_DIR --remeasure S)';
  if (!v.claims) return 'a claim FAILED on a valid measurement: the claim does not hold here';
  return 'every check PASSED';
}
