/**
 * Which model family selects best, on confirmed latencies: every evaluated family's first choice per layer
 * (its held-out predictor, as `selected` is chosen) scored as q is, the layer's fastest strategy in the
 * confirmation pass over the choice's latency there. Only layers whose pass measured every family's choice
 * count, so every family is scored on the same layers. The pass measures them since s23 (role familyChoice,
 * select/confirm.ts); before, only where a choice coincided with another role. Scoring the families on single
 * grid medians instead picked a rule in s22 that the next four runs did not bear out (ARTIFACT.md J).
 */
import type { Predictor } from '../predict/compose.js';
import { familyFirstChoice } from '../select/confirm.js';
import type { LayerSpace } from '../select/space.js';
import { geomean } from './metrics.js';

export interface FamilyConfirmedQ {
  /** Layers whose confirmation pass measured every family's choice, of `ofLayers` co-execution layers. */
  layers: number;
  ofLayers: number;
  /** Per family, the geomean over those layers of (fastest confirmed latency / its choice's confirmed latency). */
  geomeanQ: Record<string, number>;
}

/**
 * Scores every family in `heldOut` (family -> layer id -> held-out predictor) on `confirm` (layer id ->
 * strategy id -> confirmed median ns). Undefined when no layer had every family's choice confirmed or fewer
 * than two families were evaluated.
 */
export function familyConfirmedQ(
  spaces: readonly LayerSpace[], heldOut: ReadonlyMap<string, ReadonlyMap<string, Predictor>>,
  confirm: ReadonlyMap<string, ReadonlyMap<string, number>>,
): FamilyConfirmedQ | undefined {
  return scoreChoices(spaces, [...heldOut.keys()], confirm, (family, space) => {
    const predictor = heldOut.get(family)?.get(space.layerId);
    return predictor ? familyFirstChoice(space, predictor) : null;
  });
}

/** The scoring behind familyConfirmedQ, for any way of choosing (`choiceOf`: a strategy id, or null for none). */
export function scoreChoices(
  spaces: readonly LayerSpace[], familyNames: readonly string[], confirm: ReadonlyMap<string, ReadonlyMap<string, number>>,
  choiceOf: (family: string, space: LayerSpace) => string | null,
): FamilyConfirmedQ | undefined {
  const families = [...familyNames].sort();
  if (families.length < 2) return undefined;
  const qs = new Map<string, number[]>(families.map((f) => [f, []]));
  let layers = 0;
  for (const space of spaces) {
    const pass = confirm.get(space.layerId);
    if (!pass) continue;
    const latencyOf = new Map<string, number>();
    for (const family of families) {
      const choice = choiceOf(family, space);
      const ns = choice === null ? undefined : pass.get(choice);
      if (ns !== undefined) latencyOf.set(family, ns);
    }
    if (latencyOf.size < families.length) continue;
    // The confirmed oracle as layer rows take it: the fastest confirmed strategy of the space.
    const confirmed = space.candidates.map((c) => pass.get(c.strategyId)).filter((ns): ns is number => ns !== undefined);
    const oracle = Math.min(...confirmed);
    for (const family of families) qs.get(family)!.push(oracle / latencyOf.get(family)!);
    layers++;
  }
  if (layers === 0) return undefined;
  return { layers, ofLayers: spaces.length, geomeanQ: Object.fromEntries(families.map((f) => [f, geomean(qs.get(f)!)])) };
}
