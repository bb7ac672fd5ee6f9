import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pooling, Trainable } from '../src/common/modelSpec.js';
import { initBackend } from '../src/core/model/backend.js';
import { customConfig } from '../src/core/model/config.js';
import { GPT2 } from '../src/core/model/gpt2.js';
import { loadGradients } from '../src/core/model/gradients.js';
import { OnnxTrainStep } from '../src/core/model/onnx/trainRunner.js';
import { crossEntropy, idsTensor } from '../src/core/model/ops.js';
import { SequenceClassifier } from '../src/core/model/sequenceClassifier.js';

/* The hand-written backward of the ONNX training graph against tfjs's gradients of the same loss. */

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

/** A 3-block model whose weights are far from their init (norm scales ≠ 1, sharp attention), so every term counts. */
function model(pooling: Pooling, trainable: Trainable): SequenceClassifier {
  const m = new SequenceClassifier(GPT2.random(customConfig({ nLayer: 3, nEmbd: 16, nHead: 4, nPositions: 32 }), 3), 3, pooling, 5);
  let seed = 11;
  for (const v of m.namedParams().values()) tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', seed++))));
  m.setTrainable(trainable);
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

const selections: Trainable[] = [
  { kind: 'head' },
  { kind: 'head+norm' },
  { kind: 'last', blocks: 1 },
  { kind: 'last', blocks: 2 },
  { kind: 'last', blocks: 3 },
  { kind: 'all' },
];
const poolings: Pooling[] = ['last-token', 'last-position', 'mean'];

describe.each(selections.map((t) => [t.kind === 'last' ? `last ${t.blocks}` : t.kind, t] as const))('trainable %s', (_, trainable) => {
  it.each(poolings)('loss and gradients equal tfjs with %s pooling', async (pooling) => {
    const m = model(pooling, trainable);
    const k = m.frozenPrefix();
    const ids = idsTensor(batch.ids);
    const hidden = tf.tidy(() => m.prefix(ids, k));
    const vars = m.trainableVariables();
    // From block 0 the embeddings run inside the tape, as in trainStep, so trained tables get gradients.
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(m.logitsFrom(k === 0 ? m.prefix(ids, 0) : hidden, k, batch.lengths), tf.tensor1d(batch.labels, 'int32')),
      vars,
    );
    const step = await OnnxTrainStep.create(m, k);
    const input = k === 0 ? batch.ids : ((await hidden.data()) as Float32Array);
    const onnx = await step.run(input, batch.ids[0].length, batch.lengths, batch.labels);
    expect(Math.abs(onnx.loss - (await value.data())[0])).toBeLessThan(1e-5);
    const names = new Map([...m.namedParams()].map(([name, v]) => [v.name, name]));
    expect(onnx.grads.size).toBe(vars.length);
    let worst = 0;
    for (const [varName, g] of Object.entries(grads)) {
      const expected = await g.data();
      const actual = onnx.grads.get(names.get(varName)!)!;
      expect(actual.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    expect(worst).toBeLessThan(1e-4);
    await step.dispose();
    tf.dispose([ids, hidden, value, grads]);
    m.dispose();
  });
});
