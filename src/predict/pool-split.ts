/**
 * How the engine's ThreadPool::ParallelFor (native/src/cpu/thread_pool.cpp) hands [0, units) to its threads,
 * by the rule each job records as resolved.poolChunking, so that CPU features price the busiest thread's real
 * share of a pass rather than an even one:
 *  - "static" (absent: runs before 2026-12-03 12:04 UTC): one contiguous run per thread, the first
 *    units % t threads one unit more;
 *  - "dynamic" (2026-12-03 12:04 to 2026-12-04, commit 8e50b77): chunks of ceil(units / (4 t)) units claimed in
 *    order from a shared counter; with threads of one speed, thread i runs chunks i, i + t, ..., so the busiest
 *    runs ceil(chunks / t) of them: 192 tiles on 15 threads are 48 chunks of 4, three threads run 16 tiles
 *    against a fair 12.8;
 *  - "balanced" (from commit 8e50b77 on): the same claiming with BalancedChunkSize's smaller chunk;
 *  - "affine" (from 2026-12-05 s24 on): each thread owns static's run and claims it in BalancedChunkSize chunks, then
 *    claims what is left of the next threads' runs; with threads of one speed and units of one cost, static's shares.
 * A pool of one thread runs the whole range in one call, whatever the rule.
 */

export type PoolChunking = 'static' | 'dynamic' | 'balanced' | 'affine';

const RULES: readonly PoolChunking[] = ['static', 'dynamic', 'balanced', 'affine'];

/** thread_pool.cpp kChunksPerThread: the dynamic rule's chunks per thread. */
const CHUNKS_PER_THREAD = 4;

/**
 * The rule a job's resolved.poolChunking names; `absent` where it names none (runs before the engine recorded it:
 * static, unless the caller knows that engine chunked dynamically already).
 */
export function poolChunkingOf(recorded: string | undefined, absent: PoolChunking = 'static'): PoolChunking {
  return RULES.find((r) => r === recorded) ?? absent;
}

/**
 * thread_pool.cpp BalancedChunkSize, ported line by line: the largest chunk, up to the dynamic rule's, whose
 * busiest thread (all threads at one speed) takes no more than a fair share plus max(1, fair / 16) units.
 */
export function balancedChunkSize(count: number, threads: number): number {
  if (count <= 0 || threads <= 1) return count > 0 ? count : 1;
  const coarsest = Math.ceil(count / (threads * CHUNKS_PER_THREAD));
  const fair = Math.ceil(count / threads);
  const allowed = fair + Math.max(1, Math.floor(fair / 16));
  for (let chunk = coarsest; chunk > 1; --chunk) {
    const chunks = Math.ceil(count / chunk);
    const busiest = Math.ceil(chunks / threads) * chunk;
    if (busiest <= allowed) return chunk;
  }
  return 1;
}

/** Units per claimed chunk under a claiming rule (ParallelFor's p.chunk; affine claims its runs in balanced's chunks). */
export function poolChunkSize(units: number, threads: number, chunking: Exclude<PoolChunking, 'static'>): number {
  return chunking === 'dynamic' ? Math.ceil(units / (threads * CHUNKS_PER_THREAD)) : balancedChunkSize(units, threads);
}

/** Each thread's ranges [begin, end) of units, in the order it runs them. */
export type ThreadShares = Array<Array<[number, number]>>;

/**
 * Each thread's units under `chunking`. Static: the contiguous runs. Claimed chunks: simulated with every thread
 * starting together and a chunk taking `cost` (its units' flops, or floats for a copy pass), the next chunk going
 * to the thread free first (ties to the lower thread), which for chunks of one cost is thread i taking chunks
 * i, i + t, ...
 */
export function poolShares(units: number, threads: number, chunking: PoolChunking, cost: (u: number) => number): ThreadShares {
  const t = Math.max(1, threads);
  const mine: ThreadShares = Array.from({ length: t }, () => []);
  if (units <= 0) return mine;
  if (t === 1) {
    mine[0]!.push([0, units]);
    return mine;
  }
  if (chunking === 'static') {
    staticRuns(units, t).forEach(([a, b], th) => { if (b > a) mine[th]!.push([a, b]); });
    return mine;
  }
  const chunk = poolChunkSize(units, t, chunking);
  if (chunking === 'affine') return affineShares(staticRuns(units, t), chunk, cost);
  const busyUntil = new Array<number>(t).fill(0);
  for (let u0 = 0; u0 < units; u0 += chunk) {
    const u1 = Math.min(units, u0 + chunk);
    let th = 0;
    for (let i = 1; i < t; ++i) if (busyUntil[i]! < busyUntil[th]!) th = i;
    for (let u = u0; u < u1; ++u) busyUntil[th] = busyUntil[th]! + cost(u);
    mine[th]!.push([u0, u1]);
  }
  return mine;
}

/** Static's run [begin, end) per thread (thread_pool.cpp StaticRange): even, the first units % t threads one unit more. */
export function staticRuns(units: number, t: number): Array<[number, number]> {
  const base = Math.floor(units / t), extra = units % t;
  const runs: Array<[number, number]> = [];
  for (let th = 0, u = 0; th < t; ++th) {
    const end = u + base + (th < extra ? 1 : 0);
    runs.push([u, end]);
    u = end;
  }
  return runs;
}

/**
 * Affine claiming simulated as poolShares does the shared counter's: every thread starting together, the thread free
 * first (ties to the lower) taking the next chunk of its own run, else of the first later thread's run (wrapping)
 * with chunks left. (The engine walks the runs from their ends every other job; with one cost per unit the shares
 * are the same either way.)
 */
function affineShares(runs: ReadonlyArray<[number, number]>, chunk: number, cost: (u: number) => number): ThreadShares {
  const t = runs.length;
  const mine: ThreadShares = Array.from({ length: t }, () => []);
  const next = runs.map(([a]) => a);
  const busyUntil = new Array<number>(t).fill(0);
  for (;;) {
    let th = 0;
    for (let i = 1; i < t; ++i) if (busyUntil[i]! < busyUntil[th]!) th = i;
    let owner = -1;
    for (let k = 0; k < t && owner < 0; ++k) if (next[(th + k) % t]! < runs[(th + k) % t]![1]) owner = (th + k) % t;
    if (owner < 0) return mine;
    const u0 = next[owner]!, u1 = Math.min(runs[owner]![1], u0 + chunk);
    next[owner] = u1;
    for (let u = u0; u < u1; ++u) busyUntil[th] = busyUntil[th]! + cost(u);
    mine[th]!.push([u0, u1]);
  }
}

/** One ParallelFor pass: each thread's units, the pass's total work and its busiest thread's. */
export interface PoolPass {
  shares: ThreadShares;
  total: number;
  busiest: number;
}

/**
 * One ParallelFor pass whose unit u costs work(u), its chunks handed out by `schedule` (the work itself unless
 * given; a pass whose units take about one time each, a copy, schedules by 1 per unit).
 */
export function poolPass(units: number, threads: number, chunking: PoolChunking, work: (u: number) => number,
  schedule: (u: number) => number = work): PoolPass {
  const shares = poolShares(units, threads, chunking, schedule);
  let total = 0, busiest = 0;
  for (const s of shares) {
    let mine = 0;
    for (const [a, b] of s) for (let u = a; u < b; ++u) mine += work(u);
    total += mine;
    busiest = Math.max(busiest, mine);
  }
  return { shares, total, busiest };
}
