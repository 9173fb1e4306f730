/**
 * `coexec compact [RUN_DIR...] [--results DIR]`: stores the raw result lines of finished runs gzip-compressed
 * (raw/X.jsonl -> raw/X.jsonl.gz, contract section 12). Raw lines are measurements that cannot be made
 * again, so they stay in the repository, but JSON of numbers packs 4-6x. Every reader takes either form
 * (src/engine/raw-files.ts) and every writer unpacks first, so a compacted run can still be imported into
 * or resumed; an incomplete run is left alone all the same, since it is the one likely to be resumed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compressRawFile, listRawFiles } from '../engine/raw-files.js';
import { refreshManifest, verifyManifest } from '../manifest/manifest.js';
import { UserError } from '../messages.js';
import { findRunDirs } from '../report/run-dirs.js';
import { doneIds, type RunRecord } from './execute.js';

/** What compactRun did with one run folder. */
export type CompactOutcome =
  | { kind: 'compacted'; files: number; before: number; after: number }
  | { kind: 'already'; bytes: number }
  | { kind: 'skipped'; why: string; problem?: boolean };

/** Jobs with a line and jobs planned over the parts of run.json (parts absent: nothing planned to miss). */
function progressOf(runDir: string, record: Pick<RunRecord, 'parts'>): { done: number; total: number } {
  const parts = Array.isArray(record.parts) ? record.parts : [];
  return {
    done: parts.reduce((s, p) => s + Math.min(doneIds(runDir, p).size, p.jobs), 0),
    total: parts.reduce((s, p) => s + p.jobs, 0),
  };
}

/**
 * Compacts one run folder: when every part of run.json has a line for each of its jobs and manifest.json
 * matches the folder, gzips each raw/*.jsonl (see compressRawFile) and rehashes the manifest. A manifest
 * that does not match is left for `validate` to report: rehashing would bless whatever changed.
 */
export function compactRun(runDir: string): CompactOutcome {
  if (!existsSync(join(runDir, 'run.json'))) return { kind: 'skipped', why: 'no run.json (is it a run folder?)', problem: true };
  if (!existsSync(join(runDir, 'manifest.json'))) return { kind: 'skipped', why: 'no manifest.json (the run never finished)' };
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as Pick<RunRecord, 'parts'>;
  const { done, total } = progressOf(runDir, record);
  if (done < total) return { kind: 'skipped', why: `incomplete, ${done} of ${total} jobs have a line (it may be resumed)` };
  const plain = listRawFiles(runDir).filter((f) => f.physical.endsWith('.jsonl'));
  if (plain.length === 0) {
    return { kind: 'already', bytes: listRawFiles(runDir).reduce((s, f) => s + statSync(f.physical).size, 0) };
  }
  const check = verifyManifest(runDir);
  if (!check.ok) return { kind: 'skipped', why: `manifest.json does not match the folder (${check.problems[0]}): see coexec validate`, problem: true };
  let before = 0;
  let after = 0;
  for (const f of listRawFiles(runDir)) {
    if (f.physical.endsWith('.jsonl')) {
      const sizes = compressRawFile(f.physical);
      before += sizes.before;
      after += sizes.after;
    } else {
      const size = statSync(f.physical).size; // compacted before: counts on both sides
      before += size;
      after += size;
    }
  }
  refreshManifest(runDir);
  return { kind: 'compacted', files: plain.length, before, after };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/** Parses args, compacts, prints one line per run folder; returns the exit status (0 ok, 1 a run refused, 2 usage). */
export async function compactCommand(args: string[], root: string = process.cwd(), print: (line: string) => void = console.log): Promise<number> {
  const dirs: string[] = [];
  let resultsRoot = join(root, 'results');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--results' && args[i + 1]) resultsRoot = resolve(args[++i]!);
    else if (a.startsWith('-')) { print(`compact: unknown option ${a} (known: --results DIR)`); return 2; }
    else dirs.push(resolve(a));
  }
  if (dirs.length === 0) {
    dirs.push(...findRunDirs(resultsRoot));
    if (dirs.length === 0) { print(`compact: no run folders under ${resultsRoot}; name one, e.g. compact results/local/<run-id>`); return 2; }
  }
  let status = 0;
  let before = 0;
  let after = 0;
  for (const dir of dirs) {
    let r: CompactOutcome;
    try {
      r = compactRun(dir);
    } catch (err) {
      // One folder's problem (a raw file both plain and .gz, a damaged .gz) must not stop the others.
      if (!(err instanceof UserError)) throw err;
      r = { kind: 'skipped', why: err.message, problem: true };
    }
    if (r.kind === 'compacted') {
      before += r.before;
      after += r.after;
      print(`compact: ${dir}: raw ${mb(r.before)} -> ${mb(r.after)} (${r.files} file${r.files === 1 ? '' : 's'} gzipped)`);
    } else if (r.kind === 'already') {
      before += r.bytes;
      after += r.bytes;
      print(`compact: ${dir}: already compact (raw ${mb(r.bytes)})`);
    } else {
      if (r.problem) status = 1;
      print(`compact: ${dir}: left alone: ${r.why}`);
    }
  }
  if (dirs.length > 1) print(`compact: ${dirs.length} run folders, raw ${mb(before)} -> ${mb(after)}`);
  return status;
}
