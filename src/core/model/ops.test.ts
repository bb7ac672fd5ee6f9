import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { loadGradients } from './gradients.js';
import { dense, embedding, gelu, layerNorm, matMul } from './ops.js';

/* The hand-written gradients must equal what autodiff of the plain formulas gives. */

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe('ops with custom gradients', () => {
  it('matMul gradient equals tfjs autodiff of tf.matMul (batched)', () => {
    const a = rand([2, 3, 4, 5], 1);
    const b = rand([2, 3, 5, 6], 2);
    const dy = rand([2, 3, 4, 6], 3);
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul(x, y), dy)))([a, b]);
    const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), dy)))([a, b]);
    expect(maxDiff(matMul(a, b), tf.matMul(a, b))).toBeLessThan(1e-5);
    expect(maxDiff(ours[0], ref[0])).toBeLessThan(1e-4);
    expect(maxDiff(ours[1], ref[1])).toBeLessThan(1e-4);
  });

  it('dense gradients for trained and frozen weights', () => {
    const x = rand([2, 7, 8], 4);
    const w = tf.variable(rand([8, 5], 5), true);
    const b = tf.variable(rand([5], 6), true);
    const dy = rand([2, 7, 5], 7);
    const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(f(), dy)) as tf.Scalar;
    const ours = tf.variableGrads(
      loss(() => dense(x, w, b)),
      [w, b],
    );
    const ref = tf.variableGrads(
      loss(() => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [14, 8]), w), b), [2, 7, 5])),
      [w, b],
    );
    expect(maxDiff(ours.grads[w.name], ref.grads[w.name])).toBeLessThan(1e-4);
    expect(maxDiff(ours.grads[b.name], ref.grads[b.name])).toBeLessThan(1e-4);
    w.trainable = false;
    b.trainable = false;
    const dxOurs = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(dense(input, w, b), dy)))(x);
    const dxRef = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.reshape(tf.matMul(tf.reshape(input, [14, 8]), w), [2, 7, 5]), dy)))(x);
    expect(maxDiff(dxOurs, dxRef)).toBeLessThan(1e-4);
  });

  it('GELU (tanh) value and gradient match the formula autodiffed', () => {
    const x = tf.mul(rand([1000], 8), 3);
    const formula = (v: tf.Tensor) =>
      tf.mul(tf.mul(v, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(v, tf.mul(0.044715, tf.pow(v, 3)))))));
    expect(maxDiff(gelu(x), formula(x))).toBeLessThan(1e-5);
    expect(maxDiff(tf.grad((v: tf.Tensor) => tf.sum(gelu(v)))(x), tf.grad((v: tf.Tensor) => tf.sum(formula(v)))(x))).toBeLessThan(1e-4);
  });

  it('embedding gradient scatter-adds into looked-up rows, duplicates summed', () => {
    const table = tf.variable(rand([10, 4], 9), true);
    const ids = tf.tensor2d(
      [
        [1, 3, 1],
        [9, 0, 1],
      ],
      [2, 3],
      'int32',
    );
    const dy = rand([2, 3, 4], 10);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(embedding(table as tf.Variable<tf.Rank.R2>, ids), dy)) as tf.Scalar, [table]);
    // reference: one-hot(ids)ᵀ · dy
    const ref = tf.matMul(tf.transpose(tf.oneHot(tf.reshape(ids, [-1]), 10)), tf.reshape(dy, [6, 4]));
    expect(maxDiff(grads[table.name], ref)).toBeLessThan(1e-5);
    expect(tf.sum(tf.abs(tf.gather(grads[table.name], [2, 4, 5]))).dataSync()[0]).toBe(0);
  });

  it('layer norm normalises the last axis with eps', () => {
    const x = tf.add(tf.mul(rand([3, 16], 11), 5), 2);
    const y = layerNorm(x, tf.ones([16]), tf.zeros([16]), 1e-5);
    const { mean, variance } = tf.moments(y, -1);
    expect(tf.max(tf.abs(mean)).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0]).toBeLessThan(1e-3);
  });
});
