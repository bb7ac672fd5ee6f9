import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pooling } from '../src/common/modelSpec.js';
import { initBackend } from '../src/core/model/backend.js';
import { loadGradients } from '../src/core/model/gradients.js';
import { isLoraName } from '../src/core/model/lora.js';
import { OnnxTrainStep } from '../src/core/model/onnx/trainRunner.js';
import { crossEntropy, idsTensor } from '../src/core/model/ops.js';
import type { SequenceClassifier } from '../src/core/model/sequenceClassifier.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../src/core/model/trainable.js';
import { checkTensor, perturbedModel, STEP_BATCH } from './support/onnxStepFixtures.js';

/* LoRA in the ONNX training graph (onnx/loraGraph.ts) against tfjs's gradients of the same loss, parameter by parameter: adapters on every block from the ids, on the last N from the frozen prefix's output. */

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

const batch = STEP_BATCH;

/** Loss and gradients of the trained variables on tfjs, the frozen prefix (blocks below k) outside the tape as in trainStep. */
function tfjsGradients(m: SequenceClassifier, k: number) {
  const ids = idsTensor(batch.ids);
  const hidden = tf.tidy(() => m.prefix(ids, k));
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(m.logitsFrom(k === 0 ? m.prefix(ids, 0) : hidden, k, batch.lengths), tf.tensor1d(batch.labels, 'int32')),
    m.trainableVariables(),
  );
  ids.dispose();
  return { hidden, value, grads };
}

// Adapters on every block (from the ids), and on the last 1 or 2 of the 3 blocks (from the frozen prefix's output).
describe.each([
  ['every block', undefined],
  ['the last block', 1],
  ['the last 2 blocks', 2],
])('LoRA on the ONNX training graph, adapters on %s', (_, blocks) => {
  const lora = { kind: 'lora', rank: 2, alpha: 1.5, ...(blocks && { blocks }) } as const;
  const k = blocks === undefined ? 0 : 3 - blocks;

  it.each<Pooling>(['last-token', 'last-position', 'mean'])(
    'loss and every adapter gradient equal tfjs with %s pooling',
    async (pooling) => {
      const m = perturbedModel(pooling, lora);
      expect(m.frozenPrefix()).toBe(k); // the blocks below the adapters are the frozen prefix
      const params = m.namedParams();
      const ref = tfjsGradients(m, k);
      const step = await OnnxTrainStep.create(m, k, k === 0 ? 'ids' : 'hidden');
      const start = k === 0 ? batch.ids : ((await ref.hidden.data()) as Float32Array);
      const onnx = await step.run(start, batch.ids[0].length, batch.lengths, batch.labels);
      expect(Math.abs(onnx.loss - (await ref.value.data())[0])).toBeLessThan(1e-5);
      // The adapters of the adapted blocks and the head train; no base weight gets a gradient.
      const names = [...params.keys()].filter((n) => isLoraName(n)).concat(HEAD_WEIGHT, HEAD_BIAS);
      expect(names).toHaveLength((3 - k) * 4 * 2 + 2);
      expect(names.every((n) => n.startsWith('classifier.') || Number(/^h\.(\d+)\./.exec(n)![1]) >= k)).toBe(true);
      expect([...onnx.grads.keys()].sort()).toEqual(names.sort());
      for (const [name, v] of params) {
        if (!v.trainable) continue;
        const expected = (await ref.grads[v.name].data()) as Float32Array;
        expect(checkTensor(name, onnx.grads.get(name)!, expected)).toBeNull();
        // Not vacuous: the lowest adapters get their gradient through the frozen layers above them.
        expect(Math.max(...expected.map(Math.abs)), name).toBeGreaterThan(1e-3);
      }
      await step.dispose();
      tf.dispose([ref.hidden, ref.value, ref.grads]);
      m.dispose();
    },
  );
});
