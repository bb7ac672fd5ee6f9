import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pooling } from '../src/common/modelSpec.js';
import { initBackend } from '../src/core/model/backend.js';
import { customConfig } from '../src/core/model/config.js';
import { GPT2 } from '../src/core/model/gpt2.js';
import { loadGradients } from '../src/core/model/gradients.js';
import { isLoraName } from '../src/core/model/lora.js';
import { OnnxTrainStep } from '../src/core/model/onnx/trainRunner.js';
import { crossEntropy, idsTensor } from '../src/core/model/ops.js';
import { SequenceClassifier } from '../src/core/model/sequenceClassifier.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../src/core/model/trainable.js';

/* LoRA in the ONNX training graph (onnx/loraGraph.ts) against tfjs's gradients of the same loss, parameter by parameter. */

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

const lora = { kind: 'lora', rank: 2, alpha: 1.5 } as const;

/**
 * A 3-block model with adapters whose every weight, B included, is far from its init: with B = 0 (the init)
 * the adapters would add nothing and A would get no gradient.
 */
function model(pooling: Pooling): SequenceClassifier {
  const m = new SequenceClassifier(GPT2.random(customConfig({ nLayer: 3, nEmbd: 16, nHead: 4, nPositions: 32 }), 3), 3, pooling, 5);
  m.setTrainable(lora);
  let seed = 11;
  for (const v of m.namedParams().values()) tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', seed++))));
  return m;
}

const batch = {
  ids: [
    [5, 17, 300, 2, 9, 44, 50256, 50256],
    [8, 1, 7, 12, 900, 3, 4, 6],
    [99, 42, 50256, 50256, 50256, 50256, 50256, 50256],
  ],
  lengths: [6, 8, 2],
  labels: [2, 0, 1],
};

/** Largest absolute difference of two equally long arrays. */
function worstDifference(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

describe('LoRA on the ONNX training graph', () => {
  it.each<Pooling>(['last-token', 'last-position', 'mean'])(
    'loss and every adapter gradient equal tfjs with %s pooling',
    async (pooling) => {
      const m = model(pooling);
      expect(m.frozenPrefix()).toBe(0); // adapters in every block: the graph starts from the ids
      const ids = idsTensor(batch.ids);
      const params = m.namedParams();
      const trained = [...params].filter(([, v]) => v.trainable);
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(m.logits(ids, batch.lengths), tf.tensor1d(batch.labels, 'int32')),
        trained.map(([, v]) => v),
      );
      const step = await OnnxTrainStep.create(m, 0);
      const onnx = await step.run(batch.ids, batch.ids[0].length, batch.lengths, batch.labels);
      expect(Math.abs(onnx.loss - (await value.data())[0])).toBeLessThan(1e-5);
      // The adapters and the head train; no base weight gets a gradient.
      const names = [...params.keys()].filter((n) => isLoraName(n)).concat(HEAD_WEIGHT, HEAD_BIAS);
      expect(names).toHaveLength(3 * 4 * 2 + 2);
      expect([...onnx.grads.keys()].sort()).toEqual(names.sort());
      for (const [name, v] of trained) {
        const expected = (await grads[v.name].data()) as Float32Array;
        const actual = onnx.grads.get(name)!;
        expect(actual.length, name).toBe(expected.length);
        expect(worstDifference(actual, expected), name).toBeLessThan(1e-4);
        // Not vacuous: block 0's adapters get their gradient through the frozen layers above them.
        expect(Math.max(...expected.map(Math.abs)), name).toBeGreaterThan(1e-3);
      }
      await step.dispose();
      tf.dispose([ids, value, grads]);
      m.dispose();
    },
  );
});
