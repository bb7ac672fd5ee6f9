import * as tf from '@tensorflow/tfjs-core';
import { dropout, matMul } from './ops.js';

/** A linear layer on the last axis, e.g. x [B, T, C] → [B, T, 3C]. */
export type Linear = (x: tf.Tensor) => tf.Tensor;

/** Additive causal mask [T, T]: 0 where position j ≤ i may be attended, a large negative number above. */
function causalMask(T: number): tf.Tensor2D {
  const allowed = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
  return tf.mul(tf.sub(1, allowed), -1e9) as tf.Tensor2D;
}

/** Multi-head causal self-attention: x [B, T, C] → [B, T, C]. */
export function causalSelfAttention(
  x: tf.Tensor3D,
  qkv: Linear, // C → 3C
  proj: Linear, // C → C
  nHead: number,
  dropoutRate: number,
  seed: number | null, // of the attention weights' dropout
): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const D = C / nHead;
  const [q, k, v] = tf.split(qkv(x), 3, -1);
  const heads = (t: tf.Tensor) => tf.reshape(t, [B, T, nHead, D]);
  const qh = tf.mul(tf.transpose(heads(q), [0, 2, 1, 3]), 1 / Math.sqrt(D)); // [B, H, T, D], pre-scaled
  const kt = tf.transpose(heads(k), [0, 2, 3, 1]); // [B, H, D, T]
  const vh = tf.transpose(heads(v), [0, 2, 1, 3]); // [B, H, T, D]
  const scores = tf.add(matMul(qh, kt), causalMask(T)); // [B, H, T, T]
  const att = dropout(tf.softmax(scores), dropoutRate, seed);
  const y = tf.reshape(tf.transpose(matMul(att, vh), [0, 2, 1, 3]), [B, T, C]);
  return proj(y) as tf.Tensor3D;
}
