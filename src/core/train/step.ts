import * as tf from '@tensorflow/tfjs-core';
import { EVAL, type ForwardContext } from '../model/block.js';
import type { OnnxTrainStep } from '../model/onnx/trainRunner.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { crossEntropy, idsTensor } from '../model/ops.js';
import type { AdamW } from './adamw.js';
import type { HostAdamW } from './hostAdamW.js';

/** A batch of padded token ids [B][T] with each row's real length and class label. */
export interface Batch {
  ids: number[][];
  lengths: number[];
  labels: number[];
}

/** The factor min(1, maxNorm / (‖g‖ + 1e-6)) from each gradient's squared L2 norm, as torch.nn.utils.clip_grad_norm_. */
export function clipScale(squaredNorms: tf.Scalar[], maxNorm: number): tf.Scalar {
  const norm = tf.sqrt(tf.addN(squaredNorms));
  return tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
}

/** Scales gradients so their global L2 norm is at most maxNorm. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const names = Object.keys(grads);
  const scale = clipScale(
    names.map((n) => tf.sum(tf.mul(grads[n], grads[n]))),
    maxNorm,
  );
  return Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)]));
}

export interface StepOptions {
  /** Hidden states after the first k blocks (from the prefix cache); computed here when absent. */
  prefix?: { hidden: tf.Tensor3D; k: number };
  clipNorm?: number | null;
}

/** The mean loss of a batch and its gradients for `vars`, without updating anything (call inside a tidy). */
export function batchGradients(
  model: SequenceClassifier,
  vars: tf.Variable[],
  batch: Batch,
  ctx: ForwardContext,
  prefix?: StepOptions['prefix'],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const ids = idsTensor(batch.ids);
  // Frozen leading blocks run outside the tape; trained embeddings must run inside it.
  const k = prefix?.k ?? model.frozenPrefix();
  const outside = prefix ?? (model.embeddingsTrainable() ? null : { hidden: model.prefix(ids, k, ctx), k });
  const labels = tf.tensor1d(batch.labels, 'int32');
  return tf.variableGrads(() => {
    const h = outside?.hidden ?? model.prefix(ids, 0, ctx);
    return crossEntropy(model.logitsFrom(h, outside?.k ?? 0, batch.lengths, ctx), labels);
  }, vars);
}

/** The optimizer's update from a batch's gradients, clipped first when clipNorm is set. */
export function applyStep(optimizer: AdamW, grads: tf.NamedTensorMap, clipNorm: number | null | undefined): void {
  optimizer.applyGradients(clipNorm ? clipByGlobalNorm(grads, clipNorm) : grads);
}

/**
 * One optimisation step on a batch, returning the loss before the update. The frozen leading
 * blocks run outside the gradient tape: nothing below the first trained block needs gradients.
 */
export function trainStep(
  model: SequenceClassifier,
  optimizer: AdamW,
  vars: tf.Variable[],
  batch: Batch,
  ctx: ForwardContext,
  options: StepOptions = {},
): number {
  return tf.tidy(() => {
    const { value, grads } = batchGradients(model, vars, batch, ctx, options.prefix);
    applyStep(optimizer, grads, options.clipNorm);
    return value.dataSync()[0];
  });
}

/**
 * The same step with the trained top's forward and backward on ONNX Runtime (onnx/trainGraph.ts), from
 * the frozen prefix's hidden states [B, T, C] (flat), or from the batch's ids when nothing is frozen; clipping and
 * AdamW run on the host arrays the graph reads and writes the gradients into (hostAdamW.ts), whose syncToModel brings the model and its AdamW
 * up to date for evaluation and checkpoints. `ctx` seeds the dropout masks when the runner's graph drops.
 */
export async function onnxTrainStep(
  optimizer: HostAdamW,
  runner: Pick<OnnxTrainStep, 'run'>,
  batch: Batch,
  hidden: Float32Array | null,
  clipNorm: number | null = null,
  ctx: ForwardContext = EVAL,
): Promise<number> {
  const [weights, gradsInto] = [await optimizer.weights(), await optimizer.gradients()];
  const { loss, grads } = await runner.run(hidden ?? batch.ids, batch.ids[0].length, batch.lengths, batch.labels, ctx, weights, gradsInto);
  await optimizer.update(grads, clipNorm);
  return loss;
}
