/**
 * The predictors' held-out error beside the test-retest floor (issue 14): per side, the best family's MAPE
 * from summary.json next to the MAPE of one run's job medians scored as predictions of another run's same
 * jobs (results/repeatability/*.json, scripts/repeatability.mjs), i.e. the error a perfect predictor would
 * make on that machine. Only test-retest files that name this run (as run A or run B) count, so the floor
 * is the same session's or the same jobs' where one was measured; a run without one shows no section.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RetestDecisionQuality } from '../analysis/repeatability.js';
import { readJobs } from '../analysis/run-files.js';
import type { PredictionRow } from '../analysis/types.js';
import { sameJobsFloor, type SameJobsFloorRow } from '../predict/same-jobs-floor.js';
import { findSameCallRetest, readSameCallRetestJobs, sameCallRetestJobsFile } from '../validate/retest.js';
import { escapeHtml } from './html.js';
import type { RunData } from './render-run.js';
import type { ReportSection } from './sections.js';
import { num, type Table } from './tables.js';

/** A results/repeatability file, the fields read here. */
export interface FloorFile {
  file: string;
  runA: string;
  runB: string;
  note?: string;
  heldOutOnly?: boolean;
  rows: { group: string; n: number; mape: number; medianApePct?: number }[];
  /** The retest decision quality both ways (scripts/repeatability.mjs); absent in files written before it. */
  decisionQuality?: { aChoiceInB?: RetestQ; bChoiceInA?: RetestQ };
}

/** A retest decision quality as the file stores it (analysis/repeatability.ts), the fields read here. */
type RetestQ = Pick<RetestDecisionQuality, 'geomean' | 'worst' | 'confirmed'> & { layers: readonly { layerId: string }[] };

/** Test-retest files beside the run's platform folder (results/repeatability/) that name the run. */
export function loadFloorsFor(runDir: string, runId: string): FloorFile[] {
  const dir = join(runDir, '..', '..', 'repeatability');
  if (!existsSync(dir)) return [];
  const out: FloorFile[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    try {
      const f = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Omit<FloorFile, 'file'> & { schemaVersion?: number };
      if (f.schemaVersion !== 1 || !Array.isArray(f.rows) || (f.runA !== runId && f.runB !== runId)) continue;
      out.push({
        file: `results/repeatability/${name}`, runA: f.runA, runB: f.runB, note: f.note, heldOutOnly: f.heldOutOnly, rows: f.rows,
        ...(f.decisionQuality ? { decisionQuality: f.decisionQuality } : {}),
      });
    } catch {
      continue; // not a test-retest file
    }
  }
  return out;
}

const SIDES = [['cpu', 'cpu-slice', 'CPU'], ['gpu', 'gpu-slice', 'GPU']] as const;

/** The same-call retest's floor on the predictors' own jobs (predict/same-jobs-floor.ts), with the file it came from. */
export interface SameJobsFloor {
  file: string;
  rows: SameJobsFloorRow[];
}

/**
 * sameJobsFloor of a run folder with its held-out predictions, where the run has a same-call retest whose jobs were
 * kept (results/repeatability/*-retest-jobs.json.gz); undefined otherwise.
 */
export function loadSameJobsFloor(runDir: string, predictions: readonly PredictionRow[] | undefined): SameJobsFloor | undefined {
  if (!predictions || predictions.length === 0) return undefined;
  const retest = findSameCallRetest(runDir);
  const retestJobs = retest && readSameCallRetestJobs(retest);
  if (!retest || !retestJobs) return undefined;
  const rows = sameJobsFloor(predictions, readJobs(runDir).rows, retestJobs);
  return rows.length > 0 ? { file: `results/repeatability/${basename(sameCallRetestJobsFile(retest))}`, rows } : undefined;
}

/** Per side and family: predictor MAPE and the retest's over the same jobs, their ratio. */
export function sameJobsFloorTable(floor: SameJobsFloor): Table {
  return {
    title: 'Predictor error beside the test-retest floor on the same jobs',
    headers: ['side', 'family', 'jobs', 'predictor MAPE %', 'retest MAPE % (floor)', 'MAPE / floor'],
    rows: floor.rows.map((r) => [r.side, r.model, String(r.n), num(r.predictorMapePct, 1), num(r.floorMapePct, 1),
      r.floorMapePct > 0 ? num(r.predictorMapePct / r.floorMapePct, 2) : 'n/a']),
  };
}

/** Per side and test-retest file: predictor MAPE, floor MAPE (and median APE), their ratio. */
export function floorTable(predictor: Record<string, { model: string; mape: number }> | undefined, floors: readonly FloorFile[]): Table {
  const rows: string[][] = [];
  for (const [side, group, label] of SIDES) {
    const p = predictor?.[side];
    for (const f of floors) {
      const floor = f.rows.find((r) => r.group === group);
      if (!p && !floor) continue;
      rows.push([
        label, p ? `${num(p.mape, 1)} (${p.model})` : 'n/a',
        floor ? `${num(floor.mape, 1)} (median ${num(floor.medianApePct, 1)}; n = ${floor.n})` : 'n/a',
        p && floor && floor.mape > 0 ? num(p.mape / floor.mape, 2) : 'n/a',
        `${f.file}${f.runA === f.runB ? ' (same run id: a retest of this run)' : ''}`,
      ]);
    }
  }
  return {
    title: 'Predictor error on held-out shapes beside the test-retest floor',
    headers: ['side', 'predictor MAPE %', 'test-retest floor MAPE %', 'MAPE / floor', 'floor from'],
    rows,
  };
}

/**
 * The floor a file sets under this run's grid q: the other run's grid choice scored by this run's grid. A
 * same-call retest file names the run as both A (round 1, the run) and B (the retest), so A's side is read.
 */
export function retestQFor(f: FloorFile, runId: string): RetestQ | undefined {
  const dq = f.decisionQuality;
  if (!dq) return undefined;
  return f.runB === runId && f.runA !== runId ? dq.aChoiceInB : dq.bChoiceInA;
}

/** The summary fields of one layer kind read here. */
interface KindQ {
  layers: number;
  geomeanQ: number;
  worstQ: number;
  geomeanGridQ?: number;
  worstGridQ?: number;
}

/** Per layer kind and test-retest file: the selection's grid q beside the retest floor, and derive's q. */
export function qFloorTable(kinds: Record<string, KindQ | undefined>, floors: readonly FloorFile[], runId: string): Table {
  const rows: string[][] = [];
  const pair = (g: number | undefined, w: number | undefined): string => (g === undefined || w === undefined ? 'n/a' : `${num(g, 3)} / ${num(w, 2)}`);
  for (const [kind, k] of Object.entries(kinds)) {
    if (!k) continue;
    for (const f of floors) {
      const floor = retestQFor(f, runId);
      if (!floor) continue;
      rows.push([
        kind, pair(k.geomeanGridQ, k.worstGridQ), `${pair(floor.geomean, floor.worst)} (${floor.layers.length} layers)`,
        k.geomeanGridQ !== undefined && floor.geomean > 0 ? num(k.geomeanGridQ / floor.geomean, 2) : 'n/a',
        pair(k.geomeanQ, k.worstQ),
        floor.confirmed ? `${pair(floor.confirmed.geomean, floor.confirmed.worst)} (${floor.confirmed.layers} of ${floor.layers.length} layers)` : 'n/a',
        f.file,
      ]);
    }
  }
  return {
    title: 'Decision quality beside its test-retest floor',
    headers: ['layers', 'selected: grid q geomean / worst', 'floor: grid q geomean / worst', 'grid q / floor', 'selected: q geomean / worst (as derived)',
      'floor in the confirmation pass: geomean / worst', 'floor from'],
    rows,
  };
}

function htmlTable(t: Table): string {
  const head = `<tr>${t.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${head}\n${body}</table>`;
}

/** The report section; none when no test-retest file names this run. */
export function floorSection(run: RunData): ReportSection | undefined {
  const floors = run.floors ?? [];
  if (floors.length === 0 && !run.sameJobsFloor) return undefined;
  const predictor = run.summary?.predictor as Record<string, { model: string; mape: number }> | undefined;
  const t = floorTable(predictor, floors);
  const kinds = { linear: run.summary?.linear, conv: run.summary?.conv } as Record<string, KindQ | undefined>;
  const q = qFloorTable(kinds, floors, run.runId);
  const same = run.sameJobsFloor ? sameJobsFloorTable(run.sameJobsFloor) : undefined;
  if (t.rows.length === 0 && q.rows.length === 0 && !same) return undefined;
  const notes = floors.filter((f) => f.note).map((f) => `<p>${escapeHtml(`${f.file}: ${f.note}`)}</p>`).join('\n');
  const mapeHtml = t.rows.length === 0 ? '' : `<p>The floor is the error a perfect predictor would make here: one run's job medians scored as predictions of the other run's same jobs (CPU-only and GPU-only jobs).</p>\n${htmlTable(t)}\n`;
  const qHtml = q.rows.length === 0 ? '' : `<h3>${escapeHtml(q.title)}</h3>\n<p>The floor is the grid q a perfect predictor trained on the other run would reach here: per layer, the other run's fastest grid strategy scored by this run's grid (its fastest grid median over that strategy's). The selected strategy's grid q takes the same single grid measurements; the q as derived re-measures its roles in the confirmation pass, and the last floor is the other run's choice scored in that pass, on the layers where the pass re-measured it.</p>\n${htmlTable(q)}\n`;
  const sameHtml = !same ? '' : `<h3>${escapeHtml(same.title)}</h3>\n<p>Both errors over one set of jobs: each held-out prediction whose job the same-call retest measured again (${escapeHtml(run.sameJobsFloor!.file)}), against the run's measurement of that job, beside the retest's measurement of the same job against the same one. The table above takes its floor from the profile's slices alone, while the predictors are also scored on the grid's single-side jobs under every mechanism and stream count, whose measurements are noisier.</p>\n${htmlTable(same)}\n`;
  return {
    id: 'predictor-floor', title: t.title,
    html: `${mapeHtml}${sameHtml}${qHtml}${notes}`,
  };
}
