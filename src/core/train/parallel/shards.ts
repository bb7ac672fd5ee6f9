import { padBatch, type Example } from '../../data/examples.js';
import type { PrefixCache } from '../prefixCache.js';
import type { Batch } from '../step.js';

/** A part of a batch: its padded rows and, with the prefix cache, their hidden states [rows, T, C] after block k. */
export interface Shard {
  batch: Batch;
  prefix: { data: Float32Array<ArrayBuffer>; k: number } | null;
}

/** Splits items into at most n contiguous, non-empty shards whose sizes differ by at most one. */
export function splitEvenly<T>(items: readonly T[], n: number): T[][] {
  const count = Math.min(n, items.length);
  const shards: T[][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(items.length / count) + (i < items.length % count ? 1 : 0);
    shards.push(items.slice(start, start + size));
    start += size;
  }
  return shards;
}

/** A batch padded to T, in at most n shards (all padded to the batch's T, as one thread would). */
export function batchShards(batch: Example[], n: number, T: number, cache: PrefixCache | null): Shard[] {
  return splitEvenly(batch, n).map((part) => ({
    batch: padBatch(part, T),
    prefix: cache ? { data: cache.hostBatch(part, T), k: cache.k } : null,
  }));
}
