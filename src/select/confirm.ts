/**
 * The confirmation list: per layer the strategies the confirmation pass re-measures together (the oracle
 * is the minimum of many noisy grid measurements and flatters itself, so every speedup and q is computed
 * from this pass): oracle, selected, best CPU-only, best GPU-only, GPU-only with `finish`, the grid's two
 * runners-up (a lucky grid minimum must not decide the oracle alone: re-measured, a runner-up may be faster)
 * and the predictor's two runners-up (its next choices: a near tie, or a predictor changed after the run, then
 * selects a strategy the pass measured instead of one measured once in the grid; gpu-host conv
 * 2026-12-04T0513Z lost q 0.13 on a layer whose new selection had only a disturbed grid measurement), and
 * the first choice of every other model family evaluated, so that which family selects best is judged on
 * confirmed latencies, as q is, and not on single grid medians (scripts/family-selection.mjs).
 */
import type { JobStats, Layer, Strategy } from '../analysis/types.js';
import type { Predictor } from '../predict/compose.js';
import { gridSearch } from './grid.js';
import { predictorGuided } from './predicted.js';
import { gridSpaces, measuredRunner, predictedRunner, selectableCandidates, singleSide, type LayerSpace } from './space.js';
import type { Runner } from './types.js';

/** The roles a layers.json row needs: each must have a latency, or the layer is skipped. */
export type RowRole = 'oracle' | 'selected' | 'bestCpu' | 'bestGpu' | 'gpuFinish';
/** Every role a row needs, in the order rows and confirm lists name them. */
export const ROW_ROLES: readonly RowRole[] = ['oracle', 'selected', 'bestCpu', 'bestGpu', 'gpuFinish'];
/**
 * Why a strategy is in the confirmation pass. `runnerUp` (2nd or 3rd fastest VALID grid strategy) is only a
 * candidate for the oracle, never required for a row; `predictedRunnerUp` (the predictor's 2nd or 3rd choice)
 * gives a later selection a re-measured latency; `familyChoice` is another model family's first choice.
 */
export type ConfirmRole = RowRole | 'runnerUp' | 'predictedRunnerUp' | 'familyChoice';

/** How many grid runners-up (after the grid's fastest) the confirmation pass re-measures per layer. */
export const RUNNERS_UP = 2;
/** How many of the predictor's next choices (after its selection) the pass re-measures per layer. */
export const PREDICTED_RUNNERS_UP = 2;

/** Strategy ids chosen per role for one layer (null when the grid has no VALID candidate for the role). */
export interface LayerChoices {
  layerId: string;
  layer: Layer;
  experiment: string;
  roles: Record<RowRole, string | null>;
  /** The 2nd and 3rd fastest VALID grid strategies of the whole space (fewer when the grid has fewer). */
  runnersUp: string[];
  /** The predictor's 2nd and 3rd choices (none without a predictor). */
  predictedRunnersUp: string[];
}

/** One job of the confirmation pass: a layer, a strategy, and every role it plays. */
export interface ConfirmJob {
  experiment: string;
  layerId: string;
  layer: Layer;
  strategyId: string;
  strategy: Strategy;
  roles: ConfirmRole[];
}

/**
 * The `count` candidates that follow the first in the order of `score` (lowest first; a candidate without a
 * finite score is left out). Ties keep the space's order, as argmin does, so the first of the ranking is
 * always what gridSearch or predictorGuided chose.
 */
function runnersUpBy(space: LayerSpace, score: (c: LayerSpace['candidates'][number]) => number | undefined, count: number): string[] {
  return space.candidates
    .map((c, i) => ({ id: c.strategyId, ns: score(c), i }))
    .filter((x): x is { id: string; ns: number; i: number } => x.ns !== undefined && Number.isFinite(x.ns))
    .sort((a, b) => a.ns - b.ns || a.i - b.i)
    .slice(1, 1 + count).map((x) => x.id);
}

/** The `count` VALID grid strategies that follow the grid's fastest, fastest first. */
export function gridRunnersUp(space: LayerSpace, count = RUNNERS_UP): string[] {
  return runnersUpBy(space, (c) => space.measuredNs.get(c.strategyId), count);
}

/** The `count` candidates the predictor ranks after its first choice, best first. */
export function predictedRunnersUp(space: LayerSpace, runner: Runner, count = PREDICTED_RUNNERS_UP): string[] {
  return runnersUpBy(space, (c) => runner.predictedNs!(c), count);
}

/**
 * A model family's first choice on one layer: what predictor-guided selection picks among the selectable
 * candidates with that family's predictor (`selected`, when the family is the one selecting).
 */
export function familyFirstChoice(space: LayerSpace, predictor: Predictor): string | null {
  return predictorGuided.select(selectableCandidates(space.candidates), predictedRunner(predictor));
}

/** Chooses every role for one layer's space; `predictor` undefined leaves `selected` null. */
export function chooseRoles(space: LayerSpace, predictor: Predictor | undefined): LayerChoices {
  const measured = measuredRunner(space);
  const predicted = predictor ? predictedRunner(predictor) : undefined;  // one cache for the choice and its runners-up
  const gpuOnly = singleSide(space.candidates, 'gpu');
  const selectable = selectableCandidates(space.candidates);
  return {
    layerId: space.layerId, layer: space.layer, experiment: space.experiment,
    roles: {
      oracle: gridSearch.select(space.candidates, measured),
      selected: predicted ? predictorGuided.select(selectable, predicted) : null,
      bestCpu: gridSearch.select(singleSide(space.candidates, 'cpu'), measured),
      bestGpu: gridSearch.select(gpuOnly, measured),
      gpuFinish: gridSearch.select(gpuOnly.filter((c) => c.strategy.sync === 'finish'), measured),
    },
    runnersUp: gridRunnersUp(space),
    predictedRunnersUp: predicted ? predictedRunnersUp({ ...space, candidates: selectable }, predicted) : [],
  };
}

/**
 * Builds the confirmation list from grid-phase jobs and a predictor per layer (the held-out one: see
 * predict/evaluate.ts) and, optionally, the held-out predictors of the other families. Each strategy appears
 * once per layer with all its roles (row roles first, then `runnerUp`, `predictedRunnerUp`, `familyChoice`),
 * in layer-id order.
 */
export function buildConfirmList(
  jobs: readonly JobStats[], predictorFor: (layerId: string) => Predictor | undefined,
  otherFamiliesFor: (layerId: string) => readonly Predictor[] = () => [],
): ConfirmJob[] {
  const out: ConfirmJob[] = [];
  const spaces = [...gridSpaces(jobs).values()].sort((a, b) => (a.layerId < b.layerId ? -1 : 1));
  for (const space of spaces) {
    const choices = chooseRoles(space, predictorFor(space.layerId));
    const byId = new Map<string, ConfirmJob>();
    const add = (id: string, role: ConfirmRole): void => {
      const existing = byId.get(id);
      if (existing) { existing.roles.push(role); return; }
      const c = space.candidates.find((x) => x.strategyId === id)!;
      byId.set(id, { experiment: space.experiment, layerId: space.layerId, layer: space.layer, strategyId: id, strategy: c.strategy, roles: [role] });
    };
    for (const role of ROW_ROLES) {
      const id = choices.roles[role];
      if (id !== null) add(id, role);
    }
    for (const id of choices.runnersUp) add(id, 'runnerUp');
    for (const id of choices.predictedRunnersUp) add(id, 'predictedRunnerUp');
    for (const other of otherFamiliesFor(space.layerId)) {
      const id = familyFirstChoice(space, other);
      if (id !== null) add(id, 'familyChoice');
    }
    out.push(...byId.values());
  }
  return out;
}
