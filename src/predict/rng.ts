/**
 * A small seeded pseudo-random generator (mulberry32) so that bootstraps, feature subsampling and folds are
 * the same on every machine and Node version given the same seed (Math.random cannot be seeded).
 */
import { mulberry32, shuffled as shuffledBy } from '../plan/prng.js';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** A generator seeded with a 32-bit integer. */
export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  return { next, int: (n) => Math.floor(next() * n) };
}

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  return shuffledBy(items, rng.next);
}
