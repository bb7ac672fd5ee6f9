import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { alea, dropoutMask, dropoutScale } from './dropoutMask.js';

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
});
