import * as tf from '@tensorflow/tfjs-core';
import type { Pooling, Trainable } from '../../src/common/modelSpec.js';
import { customConfig } from '../../src/core/model/config.js';
import { GPT2 } from '../../src/core/model/gpt2.js';
import { SequenceClassifier } from '../../src/core/model/sequenceClassifier.js';

/* What the ONNX training step tests hold against tfjs: a small model far from its init, a batch, and check_tensor. */

/**
 * A 3-block, 3-class model whose every weight (LoRA adapters too, B included: at its init of 0 the adapters would add
 * nothing and A get no gradient) is far from its init — norm scales ≠ 1, sharp attention — so every term counts.
 */
export function perturbedModel(pooling: Pooling, trainable: Trainable): SequenceClassifier {
  const m = new SequenceClassifier(GPT2.random(customConfig({ nLayer: 3, nEmbd: 16, nHead: 4, nPositions: 32 }), 3), 3, pooling, 5);
  m.setTrainable(trainable);
  let seed = 11;
  for (const v of m.namedParams().values()) tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', seed++))));
  return m;
}

/** Three padded rows of real and padding tokens, one per class. */
export const STEP_BATCH = {
  ids: [
    [5, 17, 300, 2, 9, 44, 50256, 50256],
    [8, 1, 7, 12, 900, 3, 4, 6],
    [99, 42, 50256, 50256, 50256, 50256, 50256, 50256],
  ],
  lengths: [6, 8, 2],
  labels: [2, 0, 1],
};

export const GRADIENT_TOLERANCE = 1e-4;

/** One parameter's check: its largest difference and where (as llm.c's check_tensor prints the first that differ); null within tolerance. */
export function checkTensor(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>): string | null {
  if (actual.length !== expected.length) return `${name}: ${actual.length} values, tfjs has ${expected.length}`;
  let worst = 0;
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= worst)) [worst, at] = [diff, i];
  }
  return worst < GRADIENT_TOLERANCE
    ? null
    : `${name}: max |Δ| ${worst.toExponential(2)} at [${at}] (onnx ${actual[at]}, tfjs ${expected[at]})`;
}
