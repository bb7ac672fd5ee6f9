import { chunk, type Example } from '../data/examples.js';
import { mulberry32, shuffled } from '../data/random.js';
import { dropoutScopeOf, type DropoutSettings, type RunConfig } from '../../common/runConfig.js';
import type { ForwardContext } from '../model/block.js';
import { firstDroppingSite } from '../model/dropoutSites.js';

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

/**
 * The dropout of the step after `step` finished ones, for a model whose first `frozen` blocks are frozen: each
 * site's seed is fixed by the run seed, the step and the site's number (dropoutSites.ts), and the scope says which
 * sites drop at all.
 */
export function dropoutContext(config: DropoutSettings & Pick<RunConfig, 'seed'>, frozen: number, step: number): ForwardContext {
  const { dropout: rate, seed } = config;
  const first = firstDroppingSite(dropoutScopeOf(config), frozen);
  return { dropout: rate, seed: (site) => (rate > 0 && site >= first ? (seed * 1_000_003 + step * 1009 + site) >>> 0 : null) };
}

/** Whether dropout changes the frozen prefix's output, so that it cannot be computed once and cached. */
export function frozenPrefixDrops(config: DropoutSettings): boolean {
  return config.dropout > 0 && dropoutScopeOf(config) === 'all';
}
