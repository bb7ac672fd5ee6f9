import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pooling } from '../src/common/modelSpec.js';
import { initBackend } from '../src/core/model/backend.js';
import { loadGradients } from '../src/core/model/gradients.js';
import { isLoraName } from '../src/core/model/lora.js';
import { OnnxTrainStep } from '../src/core/model/onnx/trainRunner.js';
import { crossEntropy, idsTensor } from '../src/core/model/ops.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../src/core/model/trainable.js';
import { checkTensor, perturbedModel, STEP_BATCH } from './support/onnxStepFixtures.js';

/* LoRA in the ONNX training graph (onnx/loraGraph.ts) against tfjs's gradients of the same loss, parameter by parameter. */

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

const lora = { kind: 'lora', rank: 2, alpha: 1.5 } as const;

const batch = STEP_BATCH;

describe('LoRA on the ONNX training graph', () => {
  it.each<Pooling>(['last-token', 'last-position', 'mean'])(
    'loss and every adapter gradient equal tfjs with %s pooling',
    async (pooling) => {
      const m = perturbedModel(pooling, lora);
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
        expect(checkTensor(name, actual, expected)).toBeNull();
        // Not vacuous: block 0's adapters get their gradient through the frozen layers above them.
        expect(Math.max(...expected.map(Math.abs)), name).toBeGreaterThan(1e-3);
      }
      await step.dispose();
      tf.dispose([ids, value, grads]);
      m.dispose();
    },
  );
});
