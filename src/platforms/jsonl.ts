/**
 * Moving engine result lines from a device into the local results file without losing or doubling any:
 * lines arrive twice (streamed live, then in the copied remote file) and a resumed run appends to a file
 * that already holds lines, so every append goes through one filter of lines already present.
 */

import { appendFile } from 'node:fs/promises';
import { readRawText, restoreRawFile } from '../engine/raw-files.js';

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
  /** The file ends in a line cut short (a killed writer's): the next append starts on a new line. */
  private cutShort = false;
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
      // The file as written, or its compacted raw/X.jsonl.gz (kept packed until a line is new).
      const existing = readRawText(this.resultsPath) ?? '';
      for (const line of completeLines(existing)) this.seen.add(line.trim());
      this.cutShort = existing !== '' && !existing.endsWith('\n');
      this.loaded = true;
    }
    const fresh: string[] = [];
    for (const line of lines) {
      const key = line.trim();
      if (key === '' || this.seen.has(key)) continue;
      this.seen.add(key);
      fresh.push(key);
    }
    if (fresh.length > 0) {
      // Appending needs the plain file: a compacted one is unpacked first, so importing or resuming a
      // compacted run works as before, and importing nothing new leaves the .gz as it is.
      restoreRawFile(this.resultsPath);
      // A file cut short mid-line gets a newline first, so the next line stays parseable.
      const lead = this.cutShort ? '\n' : '';
      this.cutShort = false;
      await appendFile(this.resultsPath, lead + fresh.map((line) => `${line}\n`).join(''));
    }
    for (const line of fresh) this.onLine?.(line);
    return fresh.length;
  }
}
