/**
 * One entry point per side model: fit a model kind by name and predict with any loaded model file, so
 * callers (evaluation, selection, derive) never branch on the family themselves. Kinds are the three
 * families plus the two ensembles fitted on the baseline's residual.
 */
import { fitBaseline, predictBaseline } from './baseline.js';
import { fitForest, fitGbt, predictEnsemble } from './ensembles.js';
import type { SideFeatures, SideName } from './features.js';
import type { ModelFile, TrainingRow } from './model.js';

export type ModelKind = 'baseline' | 'forest' | 'gbt' | 'forest-residual' | 'gbt-residual';

export const MODEL_KINDS: readonly ModelKind[] = ['baseline', 'forest', 'gbt', 'forest-residual', 'gbt-residual'];
/** The three families the issue asks for, without the residual variants. */
export const FAMILIES: readonly ModelKind[] = ['baseline', 'forest', 'gbt'];

/** Fits a model kind on one side's rows with default hyper-parameters (seeded where random). */
export function fitSide(kind: ModelKind, side: SideName, rows: readonly TrainingRow[], seed = 1): ModelFile {
  if (rows.length === 0) throw new Error(`no training rows for the ${side} side: the run has no VALID single-side jobs`);
  const residual = kind.endsWith('-residual') ? 1 : 0;
  if (kind === 'baseline') return fitBaseline(side, rows);
  if (kind.startsWith('forest')) return fitForest(side, rows, { trees: 60, maxDepth: 14, minLeaf: 1, featureFraction: 0.5, seed, residual });
  return fitGbt(side, rows, { rounds: 300, maxDepth: 4, minLeaf: 2, shrinkage: 0.1, residual });
}

/** The model kind a model file holds. */
export function kindOf(model: ModelFile): ModelKind {
  return model.family === 'baseline' ? 'baseline' : model.params.residual === 1 ? `${model.family}-residual` : model.family;
}

/** Predicted time of a side in ns. */
export function predictSide(model: ModelFile, f: SideFeatures): number {
  return model.family === 'baseline' ? predictBaseline(model, f) : predictEnsemble(model, f);
}
