import * as tf from '@tensorflow/tfjs-core';

/*
 * Building blocks with hand-written gradients. On wasm, matMul with transposeA/transposeB is
 * 12–45× slower than an explicit transpose followed by a plain matMul, and tfjs's own matMul
 * gradient uses the transposed forms; `gather`'s gradient needs a kernel wasm lacks.
 */

/** Swaps the last two axes. */
function transposeLast2(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(x, perm);
}

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

/** tf.customGrad with typed inputs: f gets the input tensors and a save function. */
function withGradient(
  f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFunc },
): (...inputs: tf.Tensor[]) => tf.Tensor {
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return f(args as tf.Tensor[], save);
  }) as Parameters<typeof tf.customGrad>[0]);
  return (...inputs) => op(...inputs);
}

/** a [..., M, K] · b [..., K, N] with the same batch dims; gradients via explicit transposes. */
export const matMul = withGradient(([a, b], save) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy, [sa, sb]) => [tf.matMul(dy, transposeLast2(sb)), tf.matMul(transposeLast2(sa), dy)],
  };
});

/** y = x·W + b for x [N, in], W [in, out], b [out], when W and b are trained. */
const denseTrained = withGradient(([x, w, b], save) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy, [sx, sw]) => [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy), tf.sum(dy, 0)],
  };
});

/** The same layer when W and b are frozen: only dx is computed. */
function denseFrozen(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const op = withGradient(([input]) => ({
    value: tf.add(tf.matMul(input, w), b),
    gradFunc: (dy) => [tf.matMul(dy, tf.transpose(w))],
  }));
  return op(x);
}

export function isTrainable(t: tf.Tensor): boolean {
  return t instanceof tf.Variable && t.trainable;
}

/** Dense layer on the last axis: x [..., in] → [..., out] (GPT-2's Conv1D layout: W is [in, out]). */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const x2 = tf.reshape(x, [-1, w.shape[0]]);
  const y = isTrainable(w) || isTrainable(b) ? denseTrained(x2, w, b) : denseFrozen(x2, w, b);
  return tf.reshape(y, [...lead, w.shape[1]!]);
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (GPT-2's "gelu_new"); x·x·x instead of pow, which is ~15× slower. */
export const gelu = withGradient(([x], save) => {
  save([x]);
  const inner = (v: tf.Tensor) => tf.mul(tf.add(v, tf.mul(tf.mul(tf.mul(v, v), v), 0.044715)), GELU_C);
  return {
    value: tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner(x)), 1)),
    gradFunc: (dy, [sx]) => {
      const t = tf.tanh(inner(sx));
      // d/dx 0.5·x·(1+t) = 0.5·(1+t) + 0.5·x·(1−t²)·c·(1 + 3·0.044715·x²)
      const dInner = tf.mul(tf.add(tf.mul(tf.mul(sx, sx), 3 * 0.044715), 1), GELU_C);
      const grad = tf.add(tf.mul(tf.add(t, 1), 0.5), tf.mul(tf.mul(tf.mul(sx, 0.5), tf.sub(1, tf.mul(t, t))), dInner));
      return [tf.mul(dy, grad)];
    },
  };
});

/** Layer norm over the last axis with learned scale and shift. */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.mul(centered, centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), weight), bias);
}

/**
 * Row lookup table[ids] → [...ids.shape, C]. When the table is trained, its gradient is a
 * scatter-add of the output gradient into the looked-up rows (ScatterNd sums duplicate indices).
 */
export function embedding(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [rows, width] = table.shape;
  const flat = tf.reshape(ids, [-1]);
  const outShape = [...ids.shape, width];
  if (!isTrainable(table)) return tf.reshape(tf.gather(table, flat), outShape);
  const lookup = withGradient(([t]) => ({
    value: tf.gather(t, flat),
    gradFunc: (dy) => [tf.scatterND(tf.expandDims(flat, 1), dy, [rows, width])],
  }));
  return tf.reshape(lookup(table), outShape);
}

/** Dropout that is a no-op at rate 0 or outside training; seeded so runs repeat. */
export function dropout(x: tf.Tensor, rate: number, seed: number | null): tf.Tensor {
  if (rate <= 0 || seed === null) return x;
  return tf.dropout(x, rate, undefined, seed);
}

/** Mean cross-entropy of logits [B, K] against integer labels [B]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1])), 1);
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}

/** Padded token ids [B][T] as an int32 tensor [B, T]. */
export function idsTensor(ids: number[][]): tf.Tensor2D {
  return tf.tensor2d(ids.flat(), [ids.length, ids[0].length], 'int32');
}
