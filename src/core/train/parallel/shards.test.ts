import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../model/backend.js';
import { batchShards, splitEvenly } from './shards.js';
import { trainThreadCount } from './threadCount.js';

describe('splitting a batch', () => {
  it('gives contiguous shards differing by at most one, never an empty one', () => {
    expect(splitEvenly([1, 2, 3, 4, 5, 6, 7], 2)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7],
    ]);
    expect(splitEvenly([1, 2, 3, 4, 5], 3)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitEvenly([1], 4)).toEqual([[1]]);
  });

  it('pads every shard to the batch length, not its own', () => {
    const batch = [
      { ids: [1, 2, 3], label: 1 },
      { ids: [4], label: 0 },
    ];
    const shards = batchShards(batch, 2, 5, null);
    expect(shards.map((s) => s.batch.ids[0].length)).toEqual([5, 5]);
    expect(shards.map((s) => s.batch.lengths)).toEqual([[3], [1]]);
    expect(shards.every((s) => s.prefix === null)).toBe(true);
  });
});

describe('the thread count', () => {
  beforeAll(() => initBackend('wasm'));

  it('reads WORKBENCH_TRAIN_THREADS, an explicit count wins, and dropout trains on one thread', () => {
    expect(trainThreadCount(undefined, 0, undefined)).toBe(1);
    expect(trainThreadCount(undefined, 0, '3')).toBe(3);
    expect(trainThreadCount(2, 0, '3')).toBe(2);
    expect(trainThreadCount(undefined, 0.1, '2')).toBe(1);
  });

  it('refuses what is not a whole number of at least 1, naming where it came from', () => {
    expect(() => trainThreadCount(undefined, 0, '0')).toThrow('WORKBENCH_TRAIN_THREADS must be a whole number of at least 1, not "0"');
    expect(() => trainThreadCount(undefined, 0, '1.5')).toThrow(/not "1.5"/);
    expect(() => trainThreadCount(0, 0, undefined)).toThrow('threads must be a whole number of at least 1, not "0"');
  });
});
