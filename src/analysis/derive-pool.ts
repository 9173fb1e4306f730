/**
 * Derives several run folders at once: one worker thread per core (os.availableParallelism(), at most one per
 * folder), each taking the next folder when it finishes one. A run's derive is single-threaded (the held-out
 * evaluation trains five families on five folds, 6-14 s a run on a 2-core VM), so re-deriving the shipped runs
 * after an analysis change goes as many times faster as there are cores. Each folder's lines are printed in the
 * order the folders were given, as soon as every folder before it is done.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ModelKind } from '../predict/side-model.js';
import { onWorkers } from '../worker-pool.js';
import type { DeriveReply } from './derive-worker.js';

/**
 * Derives `dirs` (absolute run folders) on up to `threads` workers and resolves with the folders that failed,
 * each with why ([] when none did). A folder that fails does not stop the others: stopping a worker in the middle
 * of its folder would leave that folder's derived files half written.
 */
export async function deriveInParallel(
  dirs: readonly string[], root: string, family: ModelKind | 'auto' | undefined, threads: number, print: (line: string) => void,
): Promise<string[]> {
  const n = Math.max(1, Math.min(threads, availableParallelism(), dirs.length));
  // The largest folders first (jobs.json's size stands for the work), so the last one to finish is a small one.
  const size = (dir: string): number => { try { return statSync(join(dir, 'jobs.json')).size; } catch { return 0; } };
  const order = dirs.map((dir, i) => ({ i, bytes: size(dir) })).sort((a, b) => b.bytes - a.bytes || a.i - b.i).map((x) => x.i);
  const done = new Array<string[] | undefined>(dirs.length);
  const failures: string[] = [];
  let printed = 0;
  const requests = dirs.map((dir) => ({ dir, root, ...(family ? { family } : {}) }));
  await onWorkers<DeriveReply>(new URL('./derive-worker.js', import.meta.url), requests, n, (r) => {
    if ('error' in r) {
      failures.push(`${dirs[r.id]}: ${r.error}`);
      done[r.id] = [`derive: ${dirs[r.id]}: FAILED: ${r.error}`];
    } else done[r.id] = r.lines;
    while (printed < dirs.length && done[printed]) for (const line of done[printed++]!) print(line);
  }, order);
  return failures;
}
