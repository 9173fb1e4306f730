/**
 * A derive worker thread (derive-pool.ts starts it): receives `{ id, dir, root, family? }`, derives that run
 * folder and re-hashes its manifest (deriveAndRehash, the same as on the main thread) and answers
 * `{ id, lines }`, the lines `coexec derive` prints for it, or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import type { ModelKind } from '../predict/side-model.js';
import { deriveAndRehash, deriveSummaryLines } from './derive-command.js';

export interface DeriveRequest { id: number; dir: string; root: string; family?: ModelKind | 'auto' }
export type DeriveReply = { id: number; lines: string[] } | { id: number; error: string };

parentPort?.on('message', async (req: DeriveRequest) => {
  let reply: DeriveReply;
  try {
    reply = { id: req.id, lines: deriveSummaryLines(req.dir, await deriveAndRehash(req.dir, req.root, req.family)) };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
});
