/**
 * The confirmation list: per layer the strategies the confirmation pass re-measures together (the oracle
 * is the minimum of many noisy grid measurements and flatters itself, so every speedup and q is computed
 * from this pass): oracle, selected, best CPU-only, best GPU-only, GPU-only with `finish`.
 */
import type { JobStats, Layer, Strategy } from '../analysis/types.js';
import type { Predictor } from '../predict/compose.js';
import { gridSearch } from './grid.js';
import { predictorGuided } from './predicted.js';
import { gridSpaces, measuredRunner, predictedRunner, singleSide, type LayerSpace } from './space.js';

export type ConfirmRole = 'oracle' | 'selected' | 'bestCpu' | 'bestGpu' | 'gpuFinish';

/** Strategy ids chosen per role for one layer (null when the grid has no VALID candidate for the role). */
export interface LayerChoices {
  layerId: string;
  layer: Layer;
  experiment: string;
  roles: Record<ConfirmRole, string | null>;
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

/** Chooses every role for one layer's space; `predictor` undefined leaves `selected` null. */
export function chooseRoles(space: LayerSpace, predictor: Predictor | undefined): LayerChoices {
  const measured = measuredRunner(space);
  const gpuOnly = singleSide(space.candidates, 'gpu');
  return {
    layerId: space.layerId, layer: space.layer, experiment: space.experiment,
    roles: {
      oracle: gridSearch.select(space.candidates, measured),
      selected: predictor ? predictorGuided.select(space.candidates, predictedRunner(predictor)) : null,
      bestCpu: gridSearch.select(singleSide(space.candidates, 'cpu'), measured),
      bestGpu: gridSearch.select(gpuOnly, measured),
      gpuFinish: gridSearch.select(gpuOnly.filter((c) => c.strategy.sync === 'finish'), measured),
    },
  };
}

/**
 * Builds the confirmation list from grid-phase jobs and a predictor per layer (the held-out one: see
 * predict/evaluate.ts). Each strategy appears once per layer with all its roles, in layer-id order.
 */
export function buildConfirmList(jobs: readonly JobStats[], predictorFor: (layerId: string) => Predictor | undefined): ConfirmJob[] {
  const out: ConfirmJob[] = [];
  const spaces = [...gridSpaces(jobs).values()].sort((a, b) => (a.layerId < b.layerId ? -1 : 1));
  for (const space of spaces) {
    const choices = chooseRoles(space, predictorFor(space.layerId));
    const byId = new Map<string, ConfirmJob>();
    for (const role of Object.keys(choices.roles) as ConfirmRole[]) {
      const id = choices.roles[role];
      if (id === null) continue;
      const existing = byId.get(id);
      if (existing) { existing.roles.push(role); continue; }
      const c = space.candidates.find((x) => x.strategyId === id)!;
      byId.set(id, { experiment: space.experiment, layerId: space.layerId, layer: space.layer, strategyId: id, strategy: c.strategy, roles: [role] });
    }
    out.push(...byId.values());
  }
  return out;
}
