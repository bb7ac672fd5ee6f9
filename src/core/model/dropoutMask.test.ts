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

  it('masks drawn together equal each drawn alone, whatever their sizes', () => {
    const requests = [
      { size: 1000, seed: 5 },
      { size: 3001, seed: 6 },
      { size: 1, seed: 7 },
      { size: 0, seed: 8 },
      { size: 3001, seed: 9 },
    ];
    const together = dropoutMasks(requests, 0.25);
    expect(together.map((m) => m.length)).toEqual(requests.map((r) => r.size));
    requests.forEach(({ size, seed }, i) => expect(together[i]).toEqual(dropoutMask(size, 0.25, seed)));
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
