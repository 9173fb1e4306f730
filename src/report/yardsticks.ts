/**
 * `coexec yardsticks ENGINE.jsonl [TORCH.jsonl] --out DIR`: tabulates the yardstick measurements that
 * native/bench/yardsticks.sh (our kernels, OpenBLAS and CLBlast through `coexec-engine bench`) and
 * native/bench/torch_yardstick.py (PyTorch CPU and CUDA) wrote, as ratios to our best kernel of the same
 * side, into DIR/yardsticks.md and DIR/yardsticks.csv. A ratio > 1 means the yardstick is slower than ours.
 * Also the per-side comparison (yardstick-sides.ts) into DIR/per-side.md, per-side-cpu.csv, per-side-gpu.csv.
 * Only results whose check passed (status ok) enter a ratio.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSideTable, gpuSideTable } from './yardstick-sides.js';
import { toCsv, toMarkdown } from './tables.js';

/**
 * One measured implementation of one layer shape. `kernelUs`: for our GPU variants, the median profiled
 * kernel time (end - start); for PyTorch's CUDA-events measurement, its GPU time per call; else absent.
 */
export interface YardstickRow { group: string; side: 'cpu' | 'gpu'; impl: string; medianUs: number | null; status: string; kernelUs?: number }

/** Implementations that are a library, not ours: OpenBLAS, CLBlast (both through the engine) and PyTorch. */
export const isOurs = (impl: string): boolean => !['openblas', 'openblas-im2col', 'clblast'].includes(impl) && !impl.startsWith('torch-');

/** Median of end - start over the profiled executions ([queued, submit, start, end] rows), in us. */
function kernelUsOf(timestamps: readonly (readonly number[])[] | undefined): number | undefined {
  const d = (timestamps ?? []).map((t) => t[3]! - t[2]!).filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
  if (d.length === 0) return undefined;
  const mid = d.length >> 1;
  return (d.length % 2 ? d[mid]! : (d[mid - 1]! + d[mid]!) / 2) / 1e3;
}

/** Parses the engine's yardstick lines and PyTorch's lines into rows. */
export function parseYardsticks(engineText: string, torchText = ''): YardstickRow[] {
  const rows: YardstickRow[] = [];
  for (const line of engineText.split('\n').filter((l) => l.trim())) {
    const o = JSON.parse(line) as { yardstick: { group: string; side: 'cpu' | 'gpu'; impl: string }; result: { status: string; medianNs?: number; gpuTimestampsNs?: number[][] } };
    const ok = o.result.status === 'ok';
    // CLBlast's profiled event is only its last kernel: no kernel time for it.
    const kernelUs = ok && o.yardstick.side === 'gpu' && o.yardstick.impl !== 'clblast' ? kernelUsOf(o.result.gpuTimestampsNs) : undefined;
    rows.push({ ...o.yardstick, status: o.result.status, medianUs: ok && o.result.medianNs ? o.result.medianNs / 1e3 : null, ...(kernelUs !== undefined ? { kernelUs } : {}) });
  }
  for (const line of torchText.split('\n').filter((l) => l.trim())) {
    const o = JSON.parse(line) as { group: string; impl: string; medianNs: number };
    const resident = o.impl === 'torch-cuda-resident';
    rows.push({ group: o.group, side: o.impl === 'torch-cpu' ? 'cpu' : 'gpu', impl: o.impl, medianUs: o.medianNs / 1e3, status: 'ok', ...(resident ? { kernelUs: o.medianNs / 1e3 } : {}) });
  }
  return rows;
}

/** Per shape and side: our best kernel, then every yardstick with its time over ours. */
export function yardstickTable(rows: readonly YardstickRow[]): { header: string[]; body: string[][] } {
  const header = ['layer', 'side', 'ours (best)', 'ours us', 'yardstick', 'yardstick us', 'yardstick / ours'];
  const body: string[][] = [];
  const groups = [...new Set(rows.map((r) => r.group))];
  for (const g of groups) {
    for (const side of ['cpu', 'gpu'] as const) {
      const mine = rows.filter((r) => r.group === g && r.side === side && isOurs(r.impl) && r.medianUs !== null);
      const best = mine.sort((a, b) => a.medianUs! - b.medianUs!)[0];
      // PyTorch's CUDA-events time is a kernel time, not a layer latency: the per-side table sets it beside ours.
      for (const y of rows.filter((r) => r.group === g && r.side === side && !isOurs(r.impl) && r.impl !== 'torch-cuda-resident')) {
        const ratio = best && y.medianUs !== null ? (y.medianUs / best.medianUs!).toFixed(2) : 'n/a';
        body.push([g, side, best?.impl ?? 'none', best ? best.medianUs!.toFixed(1) : 'n/a', y.impl, y.medianUs === null ? `(${y.status})` : y.medianUs.toFixed(1), ratio]);
      }
    }
  }
  return { header, body };
}

/** CLI entry; returns the exit status. */
export async function yardsticksCommand(args: string[], _root: string = process.cwd(), print: (line: string) => void = console.log): Promise<number> {
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : undefined;
  const files = args.filter((a, i) => !a.startsWith('--') && i !== outAt + 1);
  if (!out || files.length === 0 || files.length > 2) {
    print('usage: coexec yardsticks ENGINE.jsonl [TORCH.jsonl] --out DIR');
    return 2;
  }
  const unreadable = files.find((f) => !existsSync(f) || !statSync(f).isFile());
  if (unreadable) {
    print(`yardsticks: ${unreadable}: no such file (the JSONL that native/bench/yardsticks.sh or torch_yardstick.py wrote)`);
    return 2;
  }
  const rows = parseYardsticks(readFileSync(files[0]!, 'utf8'), files[1] ? readFileSync(files[1], 'utf8') : '');
  const { header, body } = yardstickTable(rows);
  mkdirSync(out, { recursive: true });
  const md = [`<!-- generated by \`coexec yardsticks\` from ${files.join(', ')}; do not edit -->`, '',
    `| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`), ''].join('\n');
  writeFileSync(join(out, 'yardsticks.md'), md);
  writeFileSync(join(out, 'yardsticks.csv'), [header, ...body].map((r) => r.join(',')).join('\n') + '\n');
  // The per-side comparison (ARTIFACT.md): one table per side, Markdown with both, CSV per side.
  const sides = [cpuSideTable(rows), gpuSideTable(rows)];
  writeFileSync(join(out, 'per-side.md'), [`<!-- generated by \`coexec yardsticks\` from ${files.join(', ')}; do not edit -->`, '', ...sides.map(toMarkdown)].join('\n'));
  writeFileSync(join(out, 'per-side-cpu.csv'), toCsv(sides[0]!));
  writeFileSync(join(out, 'per-side-gpu.csv'), toCsv(sides[1]!));
  print(`yardsticks: ${body.length} rows in ${join(out, 'yardsticks.md')}; per side: ${join(out, 'per-side.md')}`);
  return 0;
}
