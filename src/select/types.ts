/**
 * The one signature every selection strategy has (after kernel_tuner's strategies): a strategy gets the
 * search space of one layer and a runner that answers "what did this candidate measure" or "what is it
 * predicted to take", and returns the id of its choice. Options are declared with a description and a default.
 */
import type { Layer, Strategy } from '../analysis/types.js';

/** One point of one layer's search space. */
export interface Candidate {
  strategyId: string;
  layer: Layer;
  strategy: Strategy;
}

/** How a strategy learns about candidates. Either answer may be missing (undefined). */
export interface Runner {
  /** Measured latency (ns) of a VALID grid job, undefined when not measured or not VALID. */
  measuredNs?(c: Candidate): number | undefined;
  /** Composed predicted latency (ns). */
  predictedNs?(c: Candidate): number;
}

export interface OptionSpec {
  description: string;
  default: unknown;
}

export interface SelectionStrategy {
  name: string;
  options: Record<string, OptionSpec>;
  /** The chosen candidate's strategy id, or null when nothing in the space qualifies. */
  select(space: readonly Candidate[], runner: Runner): string | null;
}

/** The candidate with the smallest defined score; ties go to the first in space order (deterministic). */
export function argmin(space: readonly Candidate[], score: (c: Candidate) => number | undefined): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const c of space) {
    const s = score(c);
    if (s !== undefined && Number.isFinite(s) && s < bestScore) {
      bestScore = s;
      best = c.strategyId;
    }
  }
  return best;
}
