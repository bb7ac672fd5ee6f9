import { chunk, type Example } from '../data/examples.js';
import { mulberry32, shuffled } from '../data/random.js';
import type { ForwardContext } from '../model/block.js';

/*
 * What each step sees: its batch and its dropout masks. Both derive from (run seed, epoch, step) only,
 * so a resumed run draws exactly what an uninterrupted one would.
 */

export function epochOrder(train: Example[], seed: number, epoch: number): Example[] {
  return shuffled(train, mulberry32((seed * 7919 + epoch * 104729 + 1) >>> 0));
}

/** The book drops the last partial training batch; a training set smaller than one batch keeps it. */
function keepLastBatch(train: Example[], batchSize: number): boolean {
  return train.length < batchSize;
}

export function epochBatches(train: Example[], batchSize: number, seed: number, epoch: number): Example[][] {
  return chunk(epochOrder(train, seed, epoch), batchSize, keepLastBatch(train, batchSize));
}

export function stepsPerEpoch(train: Example[], batchSize: number): number {
  return chunk(train, batchSize, keepLastBatch(train, batchSize)).length;
}

export function dropoutContext(rate: number, seed: number, step: number): ForwardContext {
  let site = 0;
  return { dropout: rate, seed: () => (rate > 0 ? (seed * 1_000_003 + step * 1009 + site++) >>> 0 : null) };
}
