/**
 * Labels beside horizontal rules (the paper's values, 1x) that never overlap: the panel's y scale is fixed
 * by us (explicit domain, no `nice`), so a rule's pixel row is known before vega renders, and labels that
 * would sit closer than one text line are spread apart around their rules' mean position. Pure functions.
 */

/** A y scale as vega draws it with an explicit domain and `nice: false`: row 0 at the top. */
export interface PanelScale { type: 'linear' | 'log'; domain: [number, number]; height: number }

const t = (s: PanelScale, v: number) => (s.type === 'log' ? Math.log(v) : v);

/** Pixel row of value `v` (0 = top of the plot). */
export function toRow(s: PanelScale, v: number): number {
  const [lo, hi] = s.domain.map((d) => t(s, d)) as [number, number];
  return s.height * (1 - (t(s, v) - lo) / (hi - lo));
}

/** Value drawn at pixel row `row`; the inverse of toRow. */
export function fromRow(s: PanelScale, row: number): number {
  const [lo, hi] = s.domain.map((d) => t(s, d)) as [number, number];
  const x = lo + (1 - row / s.height) * (hi - lo);
  return s.type === 'log' ? Math.exp(x) : x;
}

/**
 * Rows for labels wanted at `rows` such that any two are at least `gap` apart, in the same top-to-bottom
 * order, each group of crowded labels centred on the mean of the rows it labels. Returned in input order.
 */
export function spreadRows(rows: number[], gap: number): number[] {
  const items = rows.map((row, index) => ({ row, index })).sort((a, b) => a.row - b.row || a.index - b.index);
  const groups: { members: typeof items; top: number }[] = [];
  for (const item of items) {
    groups.push({ members: [item], top: item.row });
    // Merge backwards while the newest group starts inside the one above it.
    while (groups.length > 1) {
      const below = groups[groups.length - 1]!;
      const above = groups[groups.length - 2]!;
      if (above.top + above.members.length * gap <= below.top) break;
      above.members.push(...below.members);
      groups.pop();
      const mean = above.members.reduce((s, m) => s + m.row, 0) / above.members.length;
      above.top = mean - ((above.members.length - 1) * gap) / 2;
    }
  }
  const out = new Array<number>(rows.length);
  for (const g of groups) g.members.forEach((m, k) => { out[m.index] = g.top + k * gap; });
  return out;
}

/** Smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) at or above `x` > 0. */
export function niceCeil(x: number): number {
  const mag = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * mag >= x * (1 - 1e-12)) return m * mag;
  return 10 * mag;
}

/** Largest of 1, 2, 5 (times a power of ten) at or below `x` > 0: a log axis starts on a labelled tick. */
export function niceFloorLog(x: number): number {
  const mag = 10 ** Math.floor(Math.log10(x));
  for (const m of [5, 2, 1]) if (m * mag <= x * (1 + 1e-12)) return m * mag;
  return mag;
}

/** Smallest of 1, 2, 5 (times a power of ten) at or above `x` > 0. */
export function niceCeilLog(x: number): number {
  const mag = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * mag >= x * (1 - 1e-12)) return m * mag;
  return 10 * mag;
}
