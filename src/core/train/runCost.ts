import type { RunConfig } from '../../common/runConfig.js';
import type { GPT2Config } from '../model/config.js';
import { picksOne } from '../model/pooling.js';
import { frozenPrefixDrops } from './schedule.js';

/*
 * The work a run does, so that seconds measured on runs of one setting predict runs of another: floating-point
 * operations (tokens × the depth they pass, see DESIGN.md "Where the speed comes from"), run at a speed per
 * training path, and parameter updates (AdamW touches every trainable parameter at every step).
 */

/** Token lengths of a data set's split as the run will see them. */
export interface SplitTokenStats {
  count: { train: number; val: number; test: number };
  /** Longest training text in tokens (the `longest` padding length). */
  longest: number;
  /** Mean length of all texts in tokens. */
  mean: number;
}

export type CostPath = 'onnx' | 'tfjs';

/**
 * What a run reads from the prefix store rather than computes (prefixReuse.ts): its frozen prefix from depth
 * `prefixFrom` up (its whole depth: all of it read), and its steps' dropped frozen blocks (scope `all`) from `trailDepth` up.
 */
export interface PrefixReuse {
  prefixFrom: number;
  trailDepth: number;
}

export const NO_REUSE: PrefixReuse = { prefixFrom: 0, trailDepth: 0 };

export interface RunCost {
  flops: number;
  /** Parameter updates (trainable parameters × steps): AdamW's and the gradients' memory traffic, which no FLOP count shows. */
  updates: number;
  /** Dropout mask values drawn on the host (dropoutMask.ts) and applied: costlier per value than a FLOP. */
  masks: number;
  /** Which training path the run's steps take; the two differ in speed by about an order of magnitude. */
  path: CostPath;
}

/** Blocks whose weights train (LoRA's adapted blocks: gradients pass through all of them; the blocks below are a frozen prefix). */
function trainedBlocks(config: RunConfig, nLayer: number): number {
  const t = config.trainable;
  if (t.kind === 'last') return Math.min(t.blocks, nLayer);
  if (t.kind === 'lora') return Math.min(t.blocks ?? nLayer, nLayer);
  if (t.kind === 'all') return nLayer;
  return 0;
}

/** Blocks below the trained ones: the run's frozen prefix. */
export function frozenBlocks(config: RunConfig, shape: GPT2Config): number {
  return shape.nLayer - trainedBlocks(config, shape.nLayer);
}

/**
 * Passes over a trained block per token: forward, input gradient and weight gradient; LoRA's base weights are
 * frozen, so its blocks skip the weight gradient (the adapters' is rank-sized).
 */
function trainingPasses(config: RunConfig): number {
  return config.trainable.kind === 'lora' ? 2 : 3;
}

/** Forward FLOPs of one token through one block at context T: the four projections and the MLP (24·d²), attention (4·T·d). */
function blockFlops(d: number, T: number): number {
  return 24 * d * d + 4 * T * d;
}

/**
 * Mask values a training row draws: per dropping block its attention weights (H·T·T) and two residual outputs
 * (2·T·C), and the embeddings' when the first block drops (dropoutSites.ts) — not those of the blocks whose dropped
 * output a trail of depth `trail` holds.
 */
function maskValuesPerRow(config: RunConfig, shape: GPT2Config, T: number, frozen: number, trail: number): number {
  if (config.dropout === 0) return 0;
  const fromFirst = (frozen === 0 || frozenPrefixDrops(config)) && trail === 0;
  const blocks = shape.nLayer - (frozenPrefixDrops(config) ? trail : frozen);
  return (fromFirst ? T * shape.nEmbd : 0) + blocks * (shape.nHead * T * T + 2 * T * shape.nEmbd);
}

/**
 * The last block's forward FLOPs per token, in blocks, when the pooling reads one position (trainGraph.ts, the
 * inference graph's pickedBlock): every token's query/key/value projection (6·d²), the rest for one row of T.
 */
function pickedBlockShare(d: number, T: number): number {
  return (6 * d * d + (18 * d * d + 4 * T * d) / T) / blockFlops(d, T);
}

/**
 * The work of a run whose steps take `path` (every selection trains on ONNX Runtime where it loads: trainPath.ts);
 * `reuse` says what it reads from the prefix store rather than computes (prefixReuse.ts).
 */
export function runCost(
  config: RunConfig,
  shape: GPT2Config,
  data: SplitTokenStats,
  trainableParameters: number,
  path: CostPath,
  reuse: PrefixReuse = NO_REUSE,
): RunCost {
  const d = shape.nEmbd;
  const L = shape.nLayer;
  const resolved = config.maxLength === 'context' ? shape.nPositions : config.maxLength === 'longest' ? data.longest : config.maxLength;
  const pad = Math.max(1, Math.min(resolved, shape.nPositions));
  // last-position reads the padded end, so every row runs at full length; the others stop at the real tokens.
  const T = config.pooling === 'last-position' ? pad : Math.max(1, Math.min(pad, data.mean));
  const f = blockFlops(d, T);
  const k = trainedBlocks(config, L);
  // The top's blocks as full-block equivalents: the last one counts for less when the pooling picks one row.
  const depth = (blocks: number) => (blocks > 0 && picksOne(config.pooling) ? blocks - 1 + pickedBlockShare(d, T) : blocks);
  const frozen = L - k;
  const { train, val, test } = data.count;
  const all = train + val + test;
  const steps = config.epochs * Math.max(1, Math.floor(train / config.batchSize));
  // The frozen prefix is computed once (above the depth read from the store) and evaluation runs only the trained
  // blocks above it; with dropout in the frozen blocks (scope `all`) the training steps also run them forward, with
  // their masks, at every step (above the depth a trail holds).
  const prefixFlops = all * T * (frozen - Math.min(reuse.prefixFrom, frozen)) * f;
  const perStepFrozen = frozenPrefixDrops(config) ? (frozen - Math.min(reuse.trailDepth, frozen)) * f : 0;
  const training = steps * config.batchSize * T * (trainingPasses(config) * depth(k) * f + perStepFrozen);
  const evalPoints = Math.floor(steps / config.evalEvery) + config.epochs;
  const evalDepth = frozen > 0 ? k : L;
  const evaluation = (evalPoints * 2 * config.evalBatches * config.batchSize + all) * T * depth(Math.max(evalDepth, 1)) * f;
  return {
    flops: prefixFlops + training + evaluation,
    updates: steps * trainableParameters,
    masks: steps * config.batchSize * maskValuesPerRow(config, shape, T, frozen, Math.min(reuse.trailDepth, frozen)),
    path,
  };
}
