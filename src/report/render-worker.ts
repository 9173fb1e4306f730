/**
 * A render worker thread (render-pool.ts starts it): receives `{ id, spec, png }`, answers
 * `{ id, svg, png? }` or `{ id, error }`. Pure computation; the main thread writes every file.
 */
import { parentPort } from 'node:worker_threads';
import { renderSvg, svgToPng } from './render-figure.js';

export interface RenderRequest { id: number; spec: Record<string, unknown>; png: boolean }
export type RenderReply = { id: number; svg: string; png?: Uint8Array } | { id: number; error: string };

parentPort?.on('message', async (req: RenderRequest) => {
  let reply: RenderReply;
  try {
    const svg = await renderSvg(req.spec);
    // A copy owns its whole ArrayBuffer, so it can be transferred (a Buffer may be a slice of a pool).
    reply = { id: req.id, svg, ...(req.png ? { png: new Uint8Array(svgToPng(svg)) } : {}) };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  const transfer = 'png' in reply && reply.png ? [reply.png.buffer as ArrayBuffer] : [];
  parentPort!.postMessage(reply, transfer);
});
