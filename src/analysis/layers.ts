/**
 * Layer and strategy arithmetic the analysis needs, written after docs/contract.md sections 1-2: the split
 * output dimension, CPU/GPU row counts, flops and bytes of a slice, and the layer and strategy ids that key
 * every table. Ids are recomputed from (layer, strategy) rather than trusted from job ids, so the grid and
 * confirmation passes match even if the harness decorates job ids. The id and row rules themselves are the
 * planner's (src/plan/ids.ts): one implementation, so analysis keys always equal plan keys.
 */
import * as planIds from '../plan/ids.js';
import type { Layer, Strategy } from './types.js';

type PlanLayer = Parameters<typeof planIds.layerId>[0];
type PlanStrategy = Parameters<typeof planIds.strategyId>[1];

const FLOAT_BYTES = 4;

/** The output dimension split between CPU and GPU: N (linear) or F (conv2d). */
export function outDim(layer: Layer): number {
  return planIds.outputSize(layer as PlanLayer);
}

/** Conv output height and width (contract section 1). */
export function convOut(layer: Layer & { type: 'conv2d' }): { P: number; Q: number } {
  return {
    P: Math.floor((layer.H + 2 * layer.padH - layer.R) / layer.strideH) + 1,
    Q: Math.floor((layer.W + 2 * layer.padW - layer.S) / layer.strideW) + 1,
  };
}

/** Size of the dimension a strategy splits (contract section 2, splitDim): N, M, F or P. */
export function splitExtent(layer: Layer, strategy: Pick<Strategy, 'splitDim'>): number {
  return planIds.splitExtent(layer as PlanLayer, strategy.splitDim);
}

/** CPU rows of a strategy (contract section 2): rounded to the granularity, exact at ratios 0 and 1. */
export function cpuRows(layer: Layer, strategy: Pick<Strategy, 'splitRatio' | 'granularity' | 'splitDim'>): number {
  return planIds.cpuRows(strategy.splitRatio, Math.max(1, strategy.granularity || 1), splitExtent(layer, strategy));
}

/** Which devices a strategy uses once its rows are resolved (rows along the strategy's split dimension). */
export function sidesOf(layer: Layer, strategy: Strategy): { cpu: boolean; gpu: boolean; rowsCpu: number; rowsGpu: number } {
  const rowsCpu = cpuRows(layer, strategy);
  const rowsGpu = splitExtent(layer, strategy) - rowsCpu;
  return { cpu: rowsCpu > 0, gpu: rowsGpu > 0, rowsCpu, rowsGpu };
}

/**
 * The layer one side of a strategy computes as a whole layer, and its rows along F or N: how features and
 * transfers price a slice whatever the split dimension (planIds.sideLayer).
 */
export function sideSlice(layer: Layer, strategy: Pick<Strategy, 'splitDim'>, rows: number): { layer: Layer; rows: number } {
  if (!planIds.splitsOuter(strategy.splitDim)) return { layer, rows };
  const sub = planIds.sideLayer(layer as PlanLayer, strategy.splitDim, rows) as Layer;
  return { layer: sub, rows: outDim(sub) };
}

/** Layer id (contract section 1), e.g. linear/M:1/N:4096/K:4096. */
export function layerId(layer: Layer): string {
  return planIds.layerId(layer as PlanLayer);
}


/**
 * Strategy id (contract section 2) with the harness's normalization: GPU-only gets t:0 and cpu:none,
 * CPU-only gets gpu:none, so the same execution always has one id.
 */
export function strategyId(layer: Layer, strategy: Strategy): string {
  return planIds.strategyId(layer as PlanLayer, { ...strategy, granularity: Math.max(1, strategy.granularity || 1) } as PlanStrategy);
}

/** The same layer with its output dimension replaced: the shape a CPU or GPU slice of `rows` rows computes. */
export function withOutDim(layer: Layer, rows: number): Layer {
  return planIds.withOutputSize(layer as PlanLayer, rows) as Layer;
}

/** Whether a job was asked for by `phase` (its first phase or any other it also serves). */
export function inPhase(j: { phase: string; phases?: string[] }, phase: string): boolean {
  return j.phase === phase || (j.phases?.includes(phase) ?? false);
}

/** Output elements per output row (per N for linear, per F for conv2d). */
export function elemsPerRow(layer: Layer): number {
  if (layer.type === 'linear') return layer.M;
  const { P, Q } = convOut(layer);
  return layer.batch * P * Q;
}

/** Multiply-add count x2 of `rows` output rows. */
export function sliceFlops(layer: Layer, rows: number): number {
  if (layer.type === 'linear') return 2 * layer.M * rows * layer.K;
  return 2 * elemsPerRow(layer) * rows * layer.C * layer.R * layer.S;
}

/** Bytes a slice must move at least once: its weights, the whole input, its output (fp32). */
export function sliceBytes(layer: Layer, rows: number): number {
  if (layer.type === 'linear') {
    return FLOAT_BYTES * (rows * layer.K + layer.M * layer.K + layer.M * rows + rows);
  }
  const weights = rows * layer.C * layer.R * layer.S + rows;
  const input = layer.batch * layer.C * layer.H * layer.W;
  return FLOAT_BYTES * (weights + input + elemsPerRow(layer) * rows);
}
