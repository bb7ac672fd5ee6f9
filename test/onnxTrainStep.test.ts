import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatTrainable, type Pooling, type Trainable } from '../src/common/modelSpec.js';
import type { DropoutScope } from '../src/common/runConfig.js';
import { initBackend } from '../src/core/model/backend.js';
import { EVAL, type ForwardContext } from '../src/core/model/block.js';
import { loadGradients } from '../src/core/model/gradients.js';
import { droppedBlocksRunner } from '../src/core/model/onnx/prefixRunner.js';
import { OnnxTrainStep } from '../src/core/model/onnx/trainRunner.js';
import { crossEntropy, idsTensor } from '../src/core/model/ops.js';
import { SequenceClassifier } from '../src/core/model/sequenceClassifier.js';
import { dropoutContext } from '../src/core/train/schedule.js';
import { checkTensor, perturbedModel, STEP_BATCH } from './support/onnxStepFixtures.js';

/*
 * The hand-written backward of the ONNX training graph against tfjs's gradients of the same loss, with and without
 * dropout (the same masks: the graph's are drawn on the host with tf.dropout's generator). A failure names every
 * parameter whose gradient differs, as llm.c's check_tensor does.
 */

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

const batch = STEP_BATCH;
const T = batch.ids[0].length;

const selections: Trainable[] = [
  { kind: 'head' },
  { kind: 'head+norm' },
  { kind: 'last', blocks: 1 },
  { kind: 'last', blocks: 2 },
  { kind: 'last', blocks: 3 },
  { kind: 'all' },
  { kind: 'lora', rank: 2, alpha: 1.5, blocks: 2 },
];
const poolings: Pooling[] = ['last-token', 'last-position', 'mean'];
/** Loss and gradients of a batch on tfjs, the frozen prefix outside the tape as in trainStep, dropout from ctx. */
function tfjsGradients(m: SequenceClassifier, k: number, ctx: ForwardContext) {
  const ids = idsTensor(batch.ids);
  const hidden = tf.tidy(() => m.prefix(ids, k, ctx));
  // From block 0 the embeddings run inside the tape, as in trainStep, so trained tables get their gradients.
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(m.logitsFrom(k === 0 ? m.prefix(ids, 0, ctx) : hidden, k, batch.lengths, ctx), tf.tensor1d(batch.labels, 'int32')),
    m.trainableVariables(),
  );
  ids.dispose();
  return { hidden, value, grads };
}

/** Every parameter whose ONNX gradient differs from tfjs's, described; the loss's difference first. */
async function differences(m: SequenceClassifier, k: number, ctx: ForwardContext, scope: DropoutScope): Promise<string[]> {
  const ref = tfjsGradients(m, k, ctx);
  // The frozen prefix: tfjs's own when it is deterministic (the cache's), else run on ONNX Runtime with the masks.
  const prefix = k > 0 && ctx.dropout > 0 && scope === 'all' ? await droppedBlocksRunner(m, 0, k, ctx.dropout) : null;
  const hidden = k === 0 ? null : prefix ? await prefix.run({ ids: batch.ids }, ctx) : ((await ref.hidden.data()) as Float32Array);
  const step = await OnnxTrainStep.create(m, k, k === 0 ? 'ids' : 'hidden', ctx.dropout);
  const onnx = await step.run(hidden ?? batch.ids, T, batch.lengths, batch.labels, ctx);
  const names = new Map([...m.namedParams()].map(([name, v]) => [v.name, name]));
  const out = [
    prefix && checkTensor('frozen prefix output', hidden!, await ref.hidden.data()),
    checkTensor('loss', [onnx.loss], await ref.value.data()),
    ...(await Promise.all(
      Object.entries(ref.grads).map(async ([v, g]) => checkTensor(names.get(v)!, onnx.grads.get(names.get(v)!) ?? [], await g.data())),
    )),
  ];
  expect(onnx.grads.size).toBe(Object.keys(ref.grads).length);
  await step.dispose();
  await prefix?.dispose();
  tf.dispose([ref.hidden, ref.value, ref.grads]);
  return out.filter((d): d is string => d !== null);
}

describe.each(selections.map((t) => [formatTrainable(t), t] as const))('trainable %s', (_, trainable) => {
  it.each(poolings)('loss and gradients equal tfjs with %s pooling', async (pooling) => {
    const m = perturbedModel(pooling, trainable);
    expect(await differences(m, m.frozenPrefix(), EVAL, 'all')).toEqual([]);
    m.dispose();
  });

  describe.each(['all', 'trained'] as const)('dropout 0.3 in scope %s', (scope) => {
    it.each(poolings)('with the same masks, loss and gradients equal tfjs with %s pooling', async (pooling) => {
      const m = perturbedModel(pooling, trainable);
      const k = m.frozenPrefix();
      const ctx = dropoutContext({ dropout: 0.3, seed: 9, dropoutScope: scope }, k, 4);
      // Something drops, unless the scope leaves dropout to trained blocks and none is trained.
      const [dropped, plain] = [tfjsGradients(m, k, ctx), tfjsGradients(m, k, EVAL)];
      const lossChanged = (await dropped.value.data())[0] !== (await plain.value.data())[0];
      tf.dispose([dropped, plain].flatMap((r) => [r.hidden, r.value, ...Object.values(r.grads)]));
      expect(lossChanged).toBe(scope === 'all' || k < m.gpt.config.nLayer);
      expect(await differences(m, k, ctx, scope)).toEqual([]);
      m.dispose();
    });
  });
});

it('a failing check names the parameter and where it differs', () => {
  expect(checkTensor('h.2.mlp.c_fc.weight', [1, 2, 3.5], [1, 2, 3])).toBe('h.2.mlp.c_fc.weight: max |Δ| 5.00e-1 at [2] (onnx 3.5, tfjs 3)');
  expect(checkTensor('ln_f.bias', [1, NaN], [1, 2])).toMatch(/^ln_f\.bias: max \|Δ\| NaN at \[1\]/);
  expect(checkTensor('classifier.bias', [1, 2], [1, 2 + 5e-5])).toBeNull();
});

it('writes the gradients into the arrays it is given, where the optimizer reads them: the same gradients as returned ones', async () => {
  const m = perturbedModel('last-token', { kind: 'last', blocks: 2 });
  const step = await OnnxTrainStep.create(m, 0, 'ids');
  const returned = await step.run(batch.ids, T, batch.lengths, batch.labels);
  const into = new Map(step.trained.map((n) => [n, new Float32Array(m.namedParams().get(n)!.size).fill(NaN)]));
  const written = await step.run(batch.ids, T, batch.lengths, batch.labels, EVAL, undefined, into);
  expect(written.loss).toBe(returned.loss);
  for (const [name, g] of returned.grads) {
    expect(written.grads.get(name)).toBe(into.get(name));
    expect(into.get(name)).toEqual(g);
  }
  await step.dispose();
  m.dispose();
});
