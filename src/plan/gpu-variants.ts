/**
 * The register-tiled GPU variants (native/kernels: linear_reg, gemv_reg, conv_reg, conv_reg_1x1, conv_pq_1x1, conv_pq)
 * carry their knobs in the variant id, "<kernel>_v<VW>[x<VN>]_<m|n|q|f><tile>" (docs/contract.md section 2), exactly as the engine
 * parses them (native/src/plan.cpp, ParseRegTileVariant). A space declares a family once, with knob lists;
 * expandVariantFamilies turns it into one ordinary variant per combination when the space is loaded (likewise
 * the local-tiled families below, one variant per listed tile), so
 * the plan expander, ids, narrowing and predictors only ever see concrete ids.
 */
import type { GpuVariant, SpaceConfig } from '../config/schemas.js';

/**
 * The register-tiled kernels per layer type; the tile knob is rows m (linear_reg), output positions q (conv_reg,
 * conv_reg_1x1), features n (gemv_reg: its vectors run along K) or channels f (conv_pq_1x1: its vectors run
 * along the output positions; conv_pq: VW output columns of VN output rows).
 */
export const REG_TILE_KERNELS = { linear: ['linear_reg', 'gemv_reg'], conv2d: ['conv_reg', 'conv_reg_1x1', 'conv_pq_1x1', 'conv_pq'] } as const;

/** The id letter of a kernel's tile knob (RM, RN, RQ, RF). */
const TILE_LETTER = { linear_reg: 'm', gemv_reg: 'n', conv_reg: 'q', conv_reg_1x1: 'q', conv_pq_1x1: 'f', conv_pq: 'f' } as const;

/** Whether the kernel's tile runs along the split dimension (features, channels) and its vectors along the other. */
export function tileAlongSplit(kernel: RegTileKnobs['kernel']): boolean {
  return kernel === 'gemv_reg' || kernel === 'conv_pq_1x1' || kernel === 'conv_pq';
}

/** Features or channels per work-item: the split dimension's block (the packed weights' tile width). */
export function regTileWidth(k: RegTileKnobs): number {
  return tileAlongSplit(k.kernel) ? k.tile : k.vectorWidth * k.vectors;
}

/** Knobs of one register-tiled variant. */
export interface RegTileKnobs {
  kernel: 'linear_reg' | 'gemv_reg' | 'conv_reg' | 'conv_reg_1x1' | 'conv_pq_1x1' | 'conv_pq';
  /** VW: floats per vector (4, 8, 16). */
  vectorWidth: number;
  /** VN: vectors per work-item along the split dimension (1, 2 or 4; gemv_reg: along K, conv_pq_1x1: along positions, conv_pq: output rows). */
  vectors: number;
  /** RM (linear_reg: rows m), RN (gemv_reg: features), RQ (conv_reg*: output positions) or RF (conv_pq*: channels) per work-item. */
  tile: number;
}

/** The id of one knob combination, e.g. linear_reg_v16_m8 or conv_reg_v8x2_q4. */
export function regTileVariantId(k: RegTileKnobs): string {
  return `${k.kernel}_v${k.vectorWidth}${k.vectors > 1 ? `x${k.vectors}` : ''}_${TILE_LETTER[k.kernel]}${k.tile}`;
}

/** The knobs of a register-tiled variant id, or undefined for any other id. */
export function parseRegTileVariant(id: string): RegTileKnobs | undefined {
  const m = /^(linear_reg|gemv_reg|conv_reg_1x1|conv_reg|conv_pq_1x1|conv_pq)_v(4|8|16)(?:x(2|4))?_(m|n|q|f)(1|2|4|8|16)$/.exec(id);
  if (!m) return undefined;
  const kernel = m[1] as RegTileKnobs['kernel'];
  if (TILE_LETTER[kernel] !== m[4]) return undefined;
  return { kernel, vectorWidth: Number(m[2]), vectors: m[3] ? Number(m[3]) : 1, tile: Number(m[5]) };
}

/**
 * A profile may name a register-tiled variant with its vector width left to the device, "v*" in place of
 * "v<VW>" (e.g. linear_reg_v*x2_m4): the tile that fits a machine's registers depends on its ISA (PoCL on an
 * AVX2 VM won with VW 8 tiles, on an AVX-512 VM with VW 16: results/benchmarks/kernel-bench-vm-2core-*).
 * resolveVectorWidth turns it into the space's variant whose VW is the largest not above the device's native
 * float vector width (the smallest the space has when the device's is narrower, as a scalar-SIMT GPU's 1);
 * without a known width, into every width the space has.
 */
export const ANY_VECTOR_WIDTH = 'v*';

/** Whether a profile's variant name leaves its vector width to the device. */
export function isVectorWidthWildcard(id: string): boolean {
  return id.includes(`_${ANY_VECTOR_WIDTH}`);
}

/** The concrete ids `id` stands for among `available` (see ANY_VECTOR_WIDTH); [id] for a concrete id. */
export function resolveVectorWidth(id: string, available: readonly string[], nativeWidth?: number): string[] {
  if (!isVectorWidthWildcard(id)) return [id];
  const byWidth = new Map<number, string>();
  for (const vw of [4, 8, 16]) {
    const concrete = id.replace(`_${ANY_VECTOR_WIDTH}`, `_v${vw}`);
    if (available.includes(concrete) && parseRegTileVariant(concrete)) byWidth.set(vw, concrete);
  }
  const widths = [...byWidth.keys()].sort((a, b) => a - b);
  if (widths.length === 0) return [];
  if (nativeWidth === undefined) return widths.map((w) => byWidth.get(w)!);
  const fitting = widths.filter((w) => w <= nativeWidth);
  return [byWidth.get(fitting.length > 0 ? fitting[fitting.length - 1]! : widths[0]!)!];
}

/**
 * The local-memory tiled GPU variants (native/kernels/gemm_local.cl) carry their tile in the id,
 * "<kernel>_<MWG>x<NWG>x<KWG>_<MWI>x<NWI>" (docs/contract.md section 2), with the engine's knob domain
 * (native/src/plan.cpp, ParseLocalTileVariant): a work-group computes MWG rows x NWG columns of Y (columns:
 * features n or output positions pq; rows: m or channels f) in steps of KWG, each work-item MWI x NWI.
 */
export const LOCAL_TILE_KERNELS = { linear: ['gemm_local', 'gemm_splitk'], conv2d: ['conv_local', 'conv_local_im2col', 'conv_splitk'] } as const;

export interface LocalTileKnobs {
  kernel: 'gemm_local' | 'gemm_splitk' | 'conv_local' | 'conv_local_im2col' | 'conv_splitk';
  mwg: number; nwg: number; kwg: number; mwi: number; nwi: number;
  /**
   * Split-K, gemm_splitk and conv_splitk ("<tile>_s<splits>"): gemm_local / conv_local with the reduction in `splits`
   * parts, each a work-group of its own, then a helper kernel adds the parts (gemm_local.cl gemm_splitk_sum,
   * gl_splitk_sum); 1 for the other kernels.
   */
  splits: number;
}

/** Whether a local-tiled kernel splits its reduction (gemm_splitk, conv_splitk: ids end in "_s<splits>"). */
export function isSplitKKernel(kernel: string): boolean {
  return kernel === 'gemm_splitk' || kernel === 'conv_splitk';
}

/** The knobs of a local-tiled variant id within the engine's domain, or undefined for any other id. */
export function parseLocalTileVariant(id: string): LocalTileKnobs | undefined {
  const m = /^(gemm_local|gemm_splitk|conv_local_im2col|conv_local|conv_splitk)_(16|32|64|128)x(16|32|64|128)x(8|16|32)_([1248])x([1248])(?:_s(2|4|8|16))?$/.exec(id);
  if (!m || isSplitKKernel(m[1]!) !== (m[7] !== undefined)) return undefined;
  const [mwg, nwg, kwg, mwi, nwi] = m.slice(2, 7).map(Number) as [number, number, number, number, number];
  const workItems = (mwg / mwi) * (nwg / nwi);
  if (mwi > mwg || nwi > nwg || workItems < 16 || workItems > 1024 || kwg * nwg < workItems) return undefined;
  return { kernel: m[1] as LocalTileKnobs['kernel'], mwg, nwg, kwg, mwi, nwi, splits: m[7] ? Number(m[7]) : 1 };
}

/** Why a family entry cannot be expanded for this space's layer type, or undefined when it can. */
export function familyProblem(v: GpuVariant, layerType: 'linear' | 'conv2d'): string | undefined {
  if (v.knobs && v.localTiles) return 'either knobs (register-tiled) or localTiles (local-tiled), not both';
  if (v.localTiles) {
    const kernels: readonly string[] = LOCAL_TILE_KERNELS[layerType];
    if (!kernels.includes(v.id)) return `a local-tiled kernel of ${layerType} (${kernels.join(', ')})`;
    const bad = v.localTiles.find((t) => !parseLocalTileVariant(`${v.id}_${t}`));
    return bad ? `tile ${bad} outside the engine's domain (MWG, NWG in 16..128, KWG 8..32, MWI, NWI 1..8, 16..1024 work-items, KWG*NWG >= work-items; gemm_splitk, conv_splitk: then _s2, _s4, _s8 or _s16)` : undefined;
  }
  if (!v.knobs) return undefined;
  const kernels: readonly string[] = REG_TILE_KERNELS[layerType];
  return kernels.includes(v.id) ? undefined : `a register-tiled kernel of ${layerType} (${kernels.join(', ')})`;
}

/**
 * The space with every family (an entry with knobs) replaced by its concrete variants, in knob order.
 * Each keeps the family's work-groups and requirements; its granularity is at least its tile width (regTileWidth),
 * so a split leaves the GPU whole vector tiles wherever the layer allows.
 */
export function expandVariantFamilies(space: SpaceConfig): SpaceConfig {
  if (!space.gpuVariants.some((v) => v.knobs || v.localTiles)) return space;
  const gpuVariants: GpuVariant[] = space.gpuVariants.flatMap((v) => {
    if (v.localTiles) {
      const { localTiles, ...rest } = v;
      return localTiles.map((t) => ({ ...rest, id: `${v.id}_${t}` }));
    }
    if (!v.knobs) return [v];
    const { knobs, ...rest } = v;
    const out: GpuVariant[] = [];
    for (const vectorWidth of knobs.vectorWidths)
      for (const vectors of knobs.vectors ?? [1])
        for (const tile of knobs.tiles) {
          const k: RegTileKnobs = { kernel: v.id as RegTileKnobs['kernel'], vectorWidth, vectors, tile };
          out.push({ ...rest, id: regTileVariantId(k), granularity: Math.max(v.granularity, regTileWidth(k)) });
        }
    return out;
  });
  return { ...space, gpuVariants };
}

/**
 * Why a register-tiled variant is not worth running on a layer, or undefined: a tile taller than the layer's
 * rows M (linear) or wider than its output row Q (conv_reg) only computes padding, which the same variant
 * with the smaller power-of-two tile does without. (Shape preconditions, such as conv_reg_1x1's, are the
 * space's `requires`.)
 */
export function regTileWaste(id: string, layer: { type: 'linear'; M: number } | { type: 'conv2d'; Q: number; PQ: number }): string | undefined {
  const k = parseRegTileVariant(id);
  // gemv_reg's and conv_pq*'s tile runs along the split dimension, which a split shares out anyway.
  if (!k || k.tile === 1 || tileAlongSplit(k.kernel)) return undefined;
  const extent = layer.type === 'linear' ? layer.M : k.kernel === 'conv_reg_1x1' ? layer.PQ : layer.Q;
  if (k.tile / 2 >= extent) {
    const what = layer.type === 'linear' ? `M=${extent}` : k.kernel === 'conv_reg_1x1' ? `P*Q=${extent}` : `Q=${extent}`;
    return `gpu variant ${id}: a tile of ${k.tile} over ${what} computes only padding beyond a tile of ${k.tile / 2}`;
  }
  return undefined;
}
