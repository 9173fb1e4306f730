/**
 * Exhaustive grid search: every candidate has been measured; the choice (the oracle) is the fastest
 * VALID one. Needs a runner with measurements.
 */
import { argmin, type SelectionStrategy } from './types.js';

/** The oracle: fastest VALID measured candidate. */
export const gridSearch: SelectionStrategy = {
  name: 'grid',
  options: {},
  select(space, runner) {
    if (!runner.measuredNs) throw new Error('grid search needs measured latencies');
    return argmin(space, (c) => runner.measuredNs!(c));
  },
};
