/**
 * A short label from a layer id alone, for derived files that carry the id but not the layer object
 * (sync-overhead.json, vs-pytorch.json, engine benchmark JSON). Same style as tables.ts's layerLabel.
 */

/** `linear/M:1/N:3072/K:768` -> `M1 N3072 K768`; conv ids -> `C64 56x56 F64 3x3 s1 p1` (tables.ts's layerLabel style). */
export function labelFromLayerId(id: string): string {
  const f = Object.fromEntries(id.split('/').slice(1).map((p) => p.split(':') as [string, string]));
  if (id.startsWith('linear/')) return `M${f.M} N${f.N} K${f.K}`;
  const one = (v: string | undefined) => (v && /^(\d+)x\1$/.test(v) ? v.split('x')[0]! : v ?? '?');
  return `C${f.C} ${f.H}x${f.W} F${f.F} ${f.R}x${f.S} s${one(f.st)} p${one(f.pad)}${f.B && f.B !== '1' ? ` B${f.B}` : ''}`;
}
