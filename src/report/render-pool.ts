/**
 * Renders many figures on every core: a few worker threads (bounded by os.availableParallelism()), each
 * taking the next figure when it finishes one, so a slow facet chart does not hold the others back.
 * Worker threads, not child processes: `figures` never starts a process. A handful of figures are drawn
 * on the main thread instead, because a worker's start (loading vega) costs about as much as two figures.
 */
import { availableParallelism } from 'node:os';
import { onWorkers } from '../worker-pool.js';
import type { RenderReply } from './render-worker.js';

/** One figure to draw: a filled vega-lite spec; `png` also rasterizes it; `name` labels an error. */
export interface RenderJob { spec: Record<string, unknown>; png: boolean; name?: string }
/** A drawn figure. */
export interface Rendered { svg: string; png?: Buffer }

/** Up to this many figures are drawn on the main thread. */
const INLINE_MAX = 2;

/** How many threads renderJobs would use for `jobs` figures with at most `maxThreads`. */
export function threadsFor(jobs: number, maxThreads = availableParallelism()): number {
  if (jobs <= INLINE_MAX) return jobs === 0 ? 0 : 1;
  return Math.max(1, Math.min(maxThreads, availableParallelism(), jobs));
}

async function renderInline(jobs: RenderJob[]): Promise<Rendered[]> {
  const { renderSvg, svgToPng } = await import('./render-figure.js');
  const out: Rendered[] = [];
  for (const [i, j] of jobs.entries()) {
    try {
      const svg = await renderSvg(j.spec);
      out.push(j.png ? { svg, png: svgToPng(svg) } : { svg });
    } catch (err) {
      throw new Error(`${j.name ?? `figure ${i}`}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}

/** Draws every job, results in job order; rejects with the first renderer error. */
export async function renderJobs(jobs: RenderJob[], maxThreads = availableParallelism()): Promise<Rendered[]> {
  const threads = threadsFor(jobs.length, maxThreads);
  if (threads <= 1) return renderInline(jobs);
  const out = new Array<Rendered>(jobs.length);
  await onWorkers<RenderReply>(new URL('./render-worker.js', import.meta.url), jobs.map((j) => ({ spec: j.spec, png: j.png })), threads, (r) => {
    if ('error' in r) throw new Error(`${jobs[r.id]!.name ?? `figure ${r.id}`}: ${r.error}`);
    out[r.id] = r.png ? { svg: r.svg, png: Buffer.from(r.png.buffer, r.png.byteOffset, r.png.byteLength) } : { svg: r.svg };
  });
  return out;
}
