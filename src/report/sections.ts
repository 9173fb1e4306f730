/**
 * Extra sections of a run's HTML report, each built from the run's data alone. The hook for what later
 * runs record beside claims (e.g. a machine-noise calibration, or measurement validity apart from the
 * claim verdicts): add a builder to REPORT_SECTIONS that returns undefined when the run lacks that data,
 * so older runs render as before. A section changes the page's bytes, so `figures` rewrites the page
 * when its data changes (render-cache.ts compares pages byte for byte); a section that wants a chart
 * adds a FigureSpec in render-run.ts's runFigures instead, and is cached like every figure.
 */
import type { RunData } from './render-run.js';
import { measurementSection } from './measurement-section.js';
import { breakdownSection } from './breakdown-figure.js';
import { vsPytorchSection } from './vs-pytorch-report.js';
import { floorSection } from './floor-section.js';
import { familySection } from './family-section.js';

/** One section: a heading and its HTML body (escape every value with html.ts's escapeHtml). */
export interface ReportSection { id: string; title: string; html: string }

/** Builds a section from a run, or undefined when the run has nothing for it. */
export type SectionBuilder = (run: RunData) => ReportSection | undefined;

/** Section builders, in page order (after the claims). */
export const REPORT_SECTIONS: readonly SectionBuilder[] = [measurementSection, breakdownSection, vsPytorchSection, floorSection, familySection];

/** The sections a run's page shows. */
export function runSections(run: RunData, builders: readonly SectionBuilder[] = REPORT_SECTIONS): ReportSection[] {
  return builders.flatMap((b) => b(run) ?? []);
}
