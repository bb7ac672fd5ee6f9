import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { alea, dropoutMask, dropoutMasks, dropoutScale, keepThreshold } from './dropoutMask.js';

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
});

describe('dropout masks drawn on the host', () => {
  it('Alea draws what tf.randomUniform draws with the same seed', () => {
    const next = alea('hello.');
    const tfjs = tf.randomUniform([3], 0, 1, 'float32', 'hello.').dataSync();
    expect(Array.from({ length: 3 }, () => Math.fround(next()))).toEqual(Array.from(tfjs));
  });

  it.each([
    [0.1, 123],
    [0.5, 4294967295],
    [0.37, 7],
    [0.9, 1_000_003],
  ])('rate %s, seed %s: the very units tf.dropout drops, and its scale', async (rate, seed) => {
    const n = 50_000;
    const expected = await tf.tidy(() => tf.dropout(tf.ones([n]), rate, undefined, seed)).data();
    const mask = dropoutMask(n, rate, seed);
    const scale = dropoutScale(rate);
    let differing = 0;
    for (let i = 0; i < n; i++) if (mask[i] * scale !== expected[i]) differing++;
    expect(differing).toBe(0);
    // About 1 − rate of the units stay.
    expect(mask.reduce((a, b) => a + b, 0) / n).toBeCloseTo(1 - rate, 1);
  });

  /** Site j's mask as alea() draws it, one unit at a time. */
  function aleaMask(size: number, seed: number, rate: number): Uint8Array {
    const next = alea(String(seed));
    const threshold = keepThreshold(rate);
    return Uint8Array.from({ length: size }, () => (next() >= threshold ? 1 : 0));
  }

  it('the kernel draws what alea() draws, unit by unit, for many masks of mixed sizes', () => {
    // More masks than a group of eight generators, of sizes 0, 1, odd, below, at and past multiples of the group.
    const sizes = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 1000, 3001, 3001, 4096, 5, 1, 0, 12_345, 999, 64, 65, 100, 2];
    const requests = sizes.map((size, j) => ({ size, seed: 1 + 7919 * j }));
    const masks = dropoutMasks(requests, 0.25);
    expect(masks.map((m) => m.length)).toEqual(sizes);
    requests.forEach(({ size, seed }, j) => expect(masks[j], `mask ${j} (${size} units)`).toEqual(aleaMask(size, seed, 0.25)));
    // The same masks when at most 5,000 bytes of them are drawn in a pass (the kernel's memory ends at 4 GiB).
    expect(dropoutMasks(requests, 0.25, 5000)).toEqual(masks);
  });

  it('masks outlive later draws, and a small draw after a large one is drawn afresh', () => {
    const large = dropoutMasks([{ size: 200_000, seed: 3 }, ...Array.from({ length: 9 }, (_, j) => ({ size: 70_000, seed: 10 + j }))], 0.5);
    const before = large.map((m) => m.slice());
    const small = dropoutMasks([{ size: 33, seed: 4 }], 0.1);
    dropoutMasks([{ size: 300_000, seed: 5 }], 0.9);
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(b);
    expect(large.every((m, j) => same(m, before[j]))).toBe(true);
    expect(small[0]).toEqual(aleaMask(33, 4, 0.1));
    expect(same(large[0], aleaMask(200_000, 3, 0.5))).toBe(true);
    expect(dropoutMasks([], 0.1)).toEqual([]);
  });

  it.each([0.1, 0.25, 0.5, 0.9, 1e-7])('rate %s: the threshold is where the float32 sum first reaches 1', (rate) => {
    const keep = Math.fround(1 - rate);
    const kept = (u: number) => Math.fround(Math.fround(u) + keep) >= 1;
    const threshold = keepThreshold(rate);
    expect(kept(threshold)).toBe(true);
    // The double just below the threshold is dropped.
    const below = new Float64Array([threshold]);
    new BigInt64Array(below.buffer)[0] -= 1n;
    expect(kept(below[0])).toBe(false);
  });
});
