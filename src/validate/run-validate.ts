/**
 * `validate [RUN_DIR]`: checks a run folder from its files alone, one line per check:
 *   1. manifest.json against its schema, then every hash it lists and that it lists every file
 *      (src/manifest's verifyManifest; one changed byte -> FAIL naming the file);
 *   2. every results file (raw/*.jsonl or their compacted .jsonl.gz, jobs.json, derived/*.json) against its schema;
 *   3. the share of VALID layer jobs in jobs.json against a threshold, and, where the device call measured
 *      the run's jobs twice, how much they moved between the two (src/validate/retest.ts);
 *   4. each claim against its range for the platform class.
 * It never runs the engine and never writes.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  schemaForPath, schemaError, isValid, Manifest, JobsFile, Summary, ClaimsFile,
} from '../results-schema/index.js';
import { GZ_SUFFIX, readRawBytes } from '../engine/raw-files.js';
import { listFiles } from '../manifest/hash.js';
import { isRegenerated, verifyManifest } from '../manifest/manifest.js';
import { evaluateClaims } from '../analysis/claims.js';
import { gpuSideSharesCpuCores } from '../analysis/run-files.js';
import type { ExperimentDefinition } from '../analysis/types.js';
import { checkClaims, formatRange, type ClaimVerdict } from './claims.js';
import { DEFAULT_MIN_VALID_SHARE, type SectionVerdicts } from './outcome.js';
import { DEFAULT_MAX_RETEST_MEDIAN_APE_PCT, findSameCallRetest } from './retest.js';
import { invalidCausesLine, roundHealth } from '../stats/invalid-causes.js';

/** Options of runValidate. */
export interface ValidateOptions {
  /** Minimum share of layer jobs with verdict VALID, 0..1 (default 0.9). */
  minValidShare?: number;
  /** Platform class whose claim ranges apply; default: run.json's platform.class, else claims.json's. */
  platformClass?: string;
  /**
   * Folder of experiment definitions (default ./experiments). When every experiment named in claims.json is
   * there and the platform class is known, ranges come from it (analysis' evaluateClaims); else from the
   * tolerances recorded in claims.json.
   */
  experimentsDir?: string;
  /** Folder of same-call repeatability files (default results/repeatability beside the run's platform folder). */
  repeatabilityDir?: string;
  /** Largest median |change| of a job between the same call's two measurements, percent (default 15). */
  maxRetestMedianApePct?: number;
}

/** One section's lines (each starting with PASS, FAIL, N/A, UNDECIDED or INFO: a claim shown for another class) and whether it passed. */
export interface SectionResult { ok: boolean; lines: string[] }

/**
 * Result: overall verdict, every printed line in order, and the same lines per section (see
 * src/validate/outcome.ts): integrity (manifest, hashes, schemas), validity (VALID share), claims.
 */
export interface ValidateResult {
  ok: boolean; lines: string[];
  sections: { integrity: SectionResult; validity: SectionResult; claims: SectionResult };
  verdicts: SectionVerdicts;
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

async function tryReadJson(path: string): Promise<unknown | undefined> {
  try { return await readJson(path); } catch { return undefined; }
}

/** Experiment definitions named by the claims; undefined when any of them is missing. */
async function loadExperiments(dir: string, ids: string[]): Promise<ExperimentDefinition[] | undefined> {
  const defs: ExperimentDefinition[] = [];
  for (const id of new Set(ids)) {
    const def = await tryReadJson(join(dir, `${id}.json`)) as ExperimentDefinition | undefined;
    if (!def || def.id !== id) return undefined;
    defs.push(def);
  }
  return defs;
}

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)) : undefined);
const fmt = (v: number | null, unit: string) => (v === null ? 'n/a' : `${Number(v.toPrecision(4))}${unit === 'x' ? 'x' : ` ${unit}`}`);

/** Validates the run folder `runDir`; see the file comment for the checks. */
export async function runValidate(runDir: string, opts: ValidateOptions = {}): Promise<ValidateResult> {
  const lines: string[] = [];
  const sections: ValidateResult['sections'] = { integrity: { ok: true, lines: [] }, validity: { ok: true, lines: [] }, claims: { ok: true, lines: [] } };
  let section: SectionResult = sections.integrity;
  const say = (pass: boolean, what: string, notApplicable = false, tag?: string) => {
    const line = `${tag ?? (notApplicable ? 'N/A ' : pass ? 'PASS' : 'FAIL')}  ${what}`;
    lines.push(line);
    section.lines.push(line);
    if (!pass && !notApplicable) section.ok = false;
  };

  // 1. Manifest and hashes.
  const manifest = await tryReadJson(join(runDir, 'manifest.json'));
  if (manifest === undefined) say(false, 'manifest  manifest.json missing or not JSON');
  else {
    const err = schemaError(Manifest, manifest);
    say(!err, `schema    manifest.json${err ? `: ${err}` : ''}`);
  }
  const files = isValid(Manifest, manifest) ? manifest.files : undefined;
  if (files) {
    // Regenerated tables, figures and report are not results: verifyManifest skips them.
    const problems = verifyManifest(runDir).problems;
    for (const p of problems) say(false, `hash      ${p}`);
    const covered = Object.keys(files).filter((f) => !isRegenerated(f)).length;
    if (problems.length === 0) say(true, `hash      ${covered} files match manifest.json`);
  }

  // 2. Schemas of every results file (a compacted raw/X.jsonl.gz is read gunzipped).
  const all = listFiles(runDir);
  for (const rel of all) {
    const fs = schemaForPath(rel);
    if (!fs || rel === 'manifest.json') continue;
    if (rel.endsWith(GZ_SUFFIX) && all.includes(rel.slice(0, -GZ_SUFFIX.length))) {
      say(false, `schema    ${rel}: ${rel.slice(0, -GZ_SUFFIX.length)} exists too: which holds the current lines is ambiguous`);
      continue;
    }
    let text: string;
    try {
      text = rel.endsWith(GZ_SUFFIX) ? readRawBytes(join(runDir, rel)).toString('utf8') : await readFile(join(runDir, rel), 'utf8');
    } catch (err) {
      say(false, `schema    ${rel}: ${(err as Error).message}`);
      continue;
    }
    let problem = '';
    let count = 0;
    const docs = fs.lines ? text.split('\n').filter((l) => l.trim() !== '') : [text];
    for (const [i, doc] of docs.entries()) {
      let value: unknown;
      try { value = JSON.parse(doc); } catch { problem = fs.lines ? `line ${i + 1}: not JSON` : 'not JSON'; break; }
      const err = schemaError(fs.schema, value);
      if (err) { problem = fs.lines ? `line ${i + 1}: ${err}` : err; break; }
      count++;
    }
    say(!problem, `schema    ${rel}${fs.lines ? ` (${count} lines)` : ''}${problem ? `: ${problem}` : ''}`);
  }

  // 3. Share of VALID layer jobs.
  section = sections.validity;
  const minShare = opts.minValidShare ?? DEFAULT_MIN_VALID_SHARE;
  const jobs = await tryReadJson(join(runDir, 'jobs.json'));
  if (!isValid(JobsFile, jobs)) say(false, 'valid     jobs.json missing or invalid: no VALID share');
  else {
    const health = roundHealth(jobs.rows, minShare);
    // Re-measured jobs (src/run/remeasure.ts) say how much of the share a second look recovered.
    const again = jobs.rows.filter((r) => r.kind === 'layer' && r.status !== 'skipped' && (r.attempts ?? 1) > 1);
    const remeasured = again.length > 0 ? `; ${again.length} re-measured, ${again.filter((r) => r.verdict === 'VALID').length} of them VALID now` : '';
    say(health.layerJobs > 0 && health.share >= minShare,
      `valid     ${(health.share * 100).toFixed(1)}% of ${health.layerJobs} layer jobs VALID (need >= ${(minShare * 100).toFixed(0)}%; skipped jobs not counted${remeasured})`);
    // Below the threshold, why: the way out differs by cause (steal time on a shared host is not fixed here).
    const causes = health.share < minShare ? invalidCausesLine(health.causes) : undefined;
    if (causes) say(true, `causes    ${causes}`, true, 'INFO');
  }
  // A disturbed call moves whole stretches of jobs together, each still VALID: the same call's retest shows it.
  const maxRetest = opts.maxRetestMedianApePct ?? DEFAULT_MAX_RETEST_MEDIAN_APE_PCT;
  try {
    const retest = findSameCallRetest(runDir, opts.repeatabilityDir);
    if (retest) {
      say(retest.medianApePct <= maxRetest, `retest    same-call retest of ${retest.jobs} jobs: median change ${retest.medianApePct.toFixed(1)}% ` +
        `(need <= ${maxRetest}%: above it the machine was disturbed while it measured${shiftOf(retest.medianRatio)}; ${relative(process.cwd(), retest.file)})`);
    }
  } catch (err) {
    say(false, `retest    ${(err as Error).message}`);
  }

  // 4. Claims.
  section = sections.claims;
  const claims = await tryReadJson(join(runDir, 'derived/claims.json'));
  const summaryDoc = await tryReadJson(join(runDir, 'derived/summary.json'));
  const summary = isValid(Summary, summaryDoc) ? summaryDoc : undefined;
  if (!isValid(ClaimsFile, claims)) say(false, 'claims    derived/claims.json missing or invalid');
  else {
    const run = await tryReadJson(join(runDir, 'run.json')) as
      { experiment?: string; platformConfig?: { class?: string }; platform?: { class?: string } } | undefined;
    const cls = opts.platformClass ?? run?.platformConfig?.class ?? run?.platform?.class ?? claims.rows[0]?.platformClass;
    const experimentsDir = opts.experimentsDir ?? 'experiments';
    // The run's own experiment counts even when claims.json is empty: its claims must not go missing.
    const ids = claims.rows.map((c) => c.experiment);
    if (run?.experiment && existsSync(join(experimentsDir, `${run.experiment}.json`))) ids.push(run.experiment);
    const defs = await loadExperiments(experimentsDir, ids);
    let verdicts: ClaimVerdict[];
    if (defs && cls && summary) {
      // The experiment definitions are the source of truth for ranges; claims.json must agree on the values.
      const placeholder = (exp: string, id: string) => (defs.find((d) => d.id === exp)?.claims?.find((c) => c.id === id)
        ?.expected[cls] as { placeholder?: boolean } | undefined)?.placeholder === true;
      verdicts = evaluateClaims(summary, defs, cls, { gpuSideSharesCpuCores: gpuSideSharesCpuCores(runDir) }).map((c) => ({
        id: c.id, pass: c.pass, notApplicable: c.applicable === false, ...(c.notThisClass ? { notThisClass: c.notThisClass } : {}),
        measured: c.measured, paperValue: c.paperValue, unit: c.unit, range: c.tolerance,
        ...(c.undecided ? { undecided: c.undecided } : {}), ...(c.interval ? { interval: c.interval } : {}),
        rangeSource: `${relative(process.cwd(), join(experimentsDir, `${c.experiment}.json`))} (${cls}${placeholder(c.experiment, c.id) ? ', placeholder range' : ''})`, dataUsed: c.data.join('; '),
      }));
      for (const v of verdicts) {
        const recorded = claims.rows.find((r) => r.id === v.id);
        if (recorded && recorded.measured !== v.measured) {
          v.pass = false;
          v.problem = `claims.json says ${recorded.measured} but summary.json says ${v.measured}`;
        }
      }
    } else {
      verdicts = checkClaims(claims.rows, summary, cls);
    }
    if (verdicts.length === 0) say(true, 'claims    none: this run\'s experiments define no claims');
    const undecided: ClaimVerdict[] = [];
    for (const v of verdicts) {
      // An undecided claim is neither PASS nor FAIL: its measurement could not tell, so validity fails instead.
      if (v.undecided && !v.problem) undecided.push(v);
      const interval = v.interval ? ` (95% interval ${formatRange({ min: num(v.interval[0]), max: num(v.interval[1]) })})` : '';
      if (v.notThisClass) {
        // Shown, not judged: the claim was made for another platform class (INFO never fails a section).
        say(true, `claim     ${v.id}: measured ${fmt(v.measured, v.unit)}, paper ${fmt(v.paperValue, v.unit)}, not this class (${cls}; ${v.notThisClass}), ` +
          `data ${v.dataUsed}${v.why ? `; ${v.why}` : ''}${v.problem ? `; ${v.problem}` : ''}`, true, 'INFO');
        continue;
      }
      say(v.pass || undecided.includes(v), `claim     ${v.id}: measured ${fmt(v.measured, v.unit)}${interval}, paper ${fmt(v.paperValue, v.unit)}, ` +
        `range ${formatRange(v.range)} from ${v.rangeSource}, data ${v.dataUsed}${v.why ? `; ${v.why}` : ''}${v.problem ? `; ${v.problem}` : ''}`, v.notApplicable === true,
      undecided.includes(v) ? 'UNDECIDED' : undefined);
    }
    section = sections.validity;
    for (const v of undecided) say(false, `claim-ci  ${v.id}: ${v.undecided}`);
  }

  const verdicts = { integrity: sections.integrity.ok, validity: sections.validity.ok, claims: sections.claims.ok };
  return { ok: verdicts.integrity && verdicts.validity && verdicts.claims, lines, sections, verdicts };
}

/**
 * What the retest's median ratio says about a disturbance (SameCallRetest.medianRatio): a whole-machine shift
 * where the jobs moved together by more than 5%, in words; nothing where the file has no ratio or the jobs moved
 * apart (noise).
 */
export function shiftOf(medianRatio: number | undefined): string {
  if (medianRatio === undefined || Math.abs(Math.log(medianRatio)) < Math.log(1.05)) return '';
  return medianRatio > 1
    ? `; the retest ran ${medianRatio.toFixed(2)}x slower than the run, job for job: the machine slowed as a whole`
    : `; the retest ran ${(1 / medianRatio).toFixed(2)}x faster than the run, job for job: the machine sped up as a whole`;
}
