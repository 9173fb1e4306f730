/**
 * Predictor-guided selection: rank the same space by the composed prediction and take the first choice.
 * Measures nothing; the choice's latency is measured later in the confirmation pass.
 */
import { argmin, type SelectionStrategy } from './types.js';

/** The predictor's first choice. */
export const predictorGuided: SelectionStrategy = {
  name: 'predicted',
  options: {},
  select(space, runner) {
    if (!runner.predictedNs) throw new Error('predictor-guided selection needs predictions');
    return argmin(space, (c) => runner.predictedNs!(c));
  },
};
