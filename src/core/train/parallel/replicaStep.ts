import * as tf from '@tensorflow/tfjs-core';
import { EVAL } from '../../model/block.js';
import type { SequenceClassifier } from '../../model/sequenceClassifier.js';
import type { AdamW } from '../adamw.js';
import { applyStep, batchGradients } from '../step.js';
import { prefixTensor } from './prefixTensor.js';
import type { Shard } from './shards.js';

/*
 * The two halves of a data-parallel step, run alike by every thread on its replica of the trained
 * parameters: each computes a shard's gradients into its slot, then each applies the same average of
 * all slots. The same ops on the same values keep the replicas identical, so no weights travel.
 */

/** Gradient slots in shared memory, slots[thread][parameter]: written by one thread, read by all. */
export function gradientSlots(vars: tf.Variable[], threads: number): Float32Array[][] {
  return Array.from({ length: threads }, () => vars.map((v) => new Float32Array(new SharedArrayBuffer(v.size * 4))));
}

/** A shard's mean loss (dropout-free: masks would depend on the split), its gradients written into `slot`. */
export function shardGradients(model: SequenceClassifier, vars: tf.Variable[], shard: Shard, slot: Float32Array[]): number {
  return tf.tidy(() => {
    const { value, grads } = batchGradients(model, vars, shard.batch, EVAL, prefixTensor(shard, model.gpt.config.nEmbd));
    vars.forEach((v, i) => slot[i].set(grads[v.name].dataSync()));
    return value.dataSync()[0];
  });
}

/** The optimizer step on the shards' gradients weighted by shard size, which sum to the whole batch's. */
export function averagedStep(
  optimizer: AdamW,
  vars: tf.Variable[],
  slots: Float32Array[][],
  shardWeights: number[],
  clipNorm: number | null,
): void {
  tf.tidy(() => {
    const average = (v: tf.Variable, i: number) => tf.addN(shardWeights.map((w, t) => tf.mul(tf.tensor(slots[t][i], v.shape), w)));
    applyStep(optimizer, Object.fromEntries(vars.map((v, i) => [v.name, average(v, i)])), clipNorm);
  });
}
