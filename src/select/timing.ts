/**
 * Selection time per layer, measured with tinybench (warm-up, then repeated calls for a time budget), and
 * its ratio to what the exhaustive grid search cost on that layer (sum of its jobs' engine wall time).
 */
import { Bench } from 'tinybench';

export interface SelectionTiming {
  /** Mean time of one selection, ms. */
  meanMs: number;
  samples: number;
}

/** Times `select` (one whole selection on one layer: predictions of the space and the ranking). */
export async function timeSelection(select: () => unknown, budgetMs = 50): Promise<SelectionTiming> {
  // A generous warm-up: the first calls run before the JIT has compiled the model walk.
  const bench = new Bench({ time: budgetMs, warmupTime: Math.max(10, budgetMs / 2), warmupIterations: 20, iterations: 5 });
  bench.add('select', select);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`timing the selection failed (${r.state})`);
  return { meanMs: r.latency.mean, samples: r.latency.samplesCount };
}
