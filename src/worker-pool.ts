/**
 * Runs requests on a few worker threads, each taking the next request when it answers one, so one slow request
 * does not hold the others back: the figure renderer (report/render-pool.ts) and `coexec derive` over several
 * folders (analysis/derive-pool.ts). A worker receives `{ id, ...request }` and answers a message with that `id`.
 */
import { Worker } from 'node:worker_threads';

/**
 * Posts every request (in `order`, default as given) to up to `threads` workers of `workerFile` and hands each
 * answer to `onReply`; resolves once every request is answered, rejects when `onReply` throws or a worker fails.
 * The workers are stopped either way.
 */
export async function onWorkers<Reply extends { id: number }>(
  workerFile: URL, requests: readonly object[], threads: number, onReply: (reply: Reply) => void,
  order: readonly number[] = requests.map((_, i) => i),
): Promise<void> {
  const workers: Worker[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let answered = 0;
      const feed = (w: Worker): void => {
        if (next >= order.length) return;
        const id = order[next++]!;
        w.postMessage({ id, ...requests[id] });
      };
      for (let i = 0; i < Math.min(threads, requests.length); i++) {
        // Node's flags pass on to the worker, except --input-type, which a worker file refuses.
        const w = new Worker(workerFile, { execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
        workers.push(w);
        w.on('message', (r: Reply) => {
          try { onReply(r); } catch (err) { reject(err); return; }
          if (++answered === requests.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => { if (code !== 0 && answered < requests.length) reject(new Error(`a worker of ${workerFile.pathname.split('/').pop()} exited with code ${code}`)); });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
