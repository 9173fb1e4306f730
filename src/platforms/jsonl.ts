/**
 * Moving engine result lines from a device into the local results file without losing or doubling any:
 * lines arrive twice (streamed live, then in the copied remote file) and a resumed run appends to a file
 * that already holds lines, so every append goes through one filter of lines already present.
 */

import { appendFile, readFile } from 'node:fs/promises';

/** Complete lines of a JSONL text; an unterminated last line (a write cut short) is left out. */
export function completeLines(text: string): string[] {
  const parts = text.split('\n');
  parts.pop(); // the text after the last newline: empty, or a line still being written
  return parts.filter((line) => line.trim() !== '');
}

/** Appends result lines to one local file, skipping lines it already holds. */
export class ResultsAppender {
  private readonly seen = new Set<string>();
  private loaded = false;
  /** Appends run one after another: streamed lines and the final copy must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly resultsPath: string, private readonly onLine?: (line: string) => void) {}

  /** Appends the lines not yet in the file; returns how many were new. Calls are serialized. */
  append(lines: readonly string[]): Promise<number> {
    const done = this.queue.then(() => this.appendNow(lines));
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async appendNow(lines: readonly string[]): Promise<number> {
    if (!this.loaded) {
      const existing = await readFile(this.resultsPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      for (const line of completeLines(existing)) this.seen.add(line.trim());
      // A file cut short mid-line gets a newline first, so the next line stays parseable.
      if (existing !== '' && !existing.endsWith('\n')) await appendFile(this.resultsPath, '\n');
      this.loaded = true;
    }
    const fresh: string[] = [];
    for (const line of lines) {
      const key = line.trim();
      if (key === '' || this.seen.has(key)) continue;
      this.seen.add(key);
      fresh.push(key);
    }
    if (fresh.length > 0) await appendFile(this.resultsPath, fresh.map((line) => `${line}\n`).join(''));
    for (const line of fresh) this.onLine?.(line);
    return fresh.length;
  }
}
