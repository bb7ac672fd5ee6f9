import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../model/block.js';
import type { SequenceClassifier } from '../model/classifier.js';
import { crossEntropy } from '../model/ops.js';
import type { AdamW } from './adamw.js';

/** A batch of padded token ids [B][T] with each row's real length and class label. */
export interface Batch {
  ids: number[][];
  lengths: number[];
  labels: number[];
}

export function idsTensor(ids: number[][]): tf.Tensor2D {
  return tf.tensor2d(ids.flat(), [ids.length, ids[0].length], 'int32');
}

/**
 * One optimisation step on a batch, returning the loss before the update. The frozen leading
 * blocks (or the given cached hidden states) run outside the gradient tape: nothing below the
 * first trained block needs gradients.
 */
export function trainStep(
  model: SequenceClassifier,
  optimizer: AdamW,
  vars: tf.Variable[],
  batch: Batch,
  ctx: ForwardContext,
  cachedPrefix?: { hidden: tf.Tensor3D; k: number },
): number {
  return tf.tidy(() => {
    const k = cachedPrefix?.k ?? model.frozenPrefix();
    const h = cachedPrefix?.hidden ?? model.prefix(idsTensor(batch.ids), k, ctx);
    const labels = tf.tensor1d(batch.labels, 'int32');
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.logitsFrom(h, k, batch.lengths, ctx), labels), vars);
    optimizer.applyGradients(grads);
    return value.dataSync()[0];
  });
}
