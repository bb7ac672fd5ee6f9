import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfigInput } from '../src/common/runConfig.js';
import { padBatch, type Example } from '../src/core/data/examples.js';
import { initBackend } from '../src/core/model/backend.js';
import { OnnxClassifier } from '../src/core/model/onnx/onnxClassifier.js';
import { inferenceWeights } from '../src/core/model/onnx/weights.js';
import { idsTensor } from '../src/core/model/ops.js';
import { loadClassifier } from '../src/core/model/savedClassifier.js';
import type { SequenceClassifier } from '../src/core/model/sequenceClassifier.js';
import { modelShape, prepareData, runTraining } from '../src/core/train/run.js';
import { sharedPath, SMS_SPAM_COLLECTION } from './support/shared.js';
import { tempDir } from './support/tempDir.js';

/*
 * LoRA on the last block end to end: a tiny random-weights GPT-2 on a slice of the real SMS data trains from its frozen
 * prefix (read from the prefix store by a second run), is saved, and the saved classifier predicts what the run recorded.
 */

const dir = tempDir('wb-lora-last-');
const slice = path.join(dir, 'sms-slice.tsv');
const storeDir = path.join(dir, 'prefix-store');

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  writeFileSync(slice, readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split('\n').slice(0, 500).join('\n'));
});

const config = (trainable: RunConfigInput['trainable']) =>
  RunConfigSchema.parse({
    dataset: { source: slice, delimiter: '\t', header: false, textColumn: 1, labelColumn: 0 },
    model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 64 }, weights: 'random' },
    trainable,
    pooling: 'last-token',
    learningRate: 1e-2,
    epochs: 1,
    maxLength: 48,
    evalEvery: 10,
    evalBatches: 1,
  });

const lora = config({ kind: 'lora', rank: 4, alpha: 2, blocks: 1 });

/** Predicted class and its probability of every example, batches of 16 padded to their longest text. */
async function predict(examples: Example[], probabilities: (ids: number[][], lengths: number[]) => Promise<number[][]>) {
  const out: { predicted: number; confidence: number }[] = [];
  for (let i = 0; i < examples.length; i += 16) {
    const part = examples.slice(i, i + 16);
    const batch = padBatch(part, Math.max(...part.map((e) => e.ids.length)));
    for (const row of await probabilities(batch.ids, batch.lengths)) {
      const predicted = row[1] > row[0] ? 1 : 0;
      out.push({ predicted, confidence: row[predicted] });
    }
  }
  return out;
}

const tfjsProbabilities = (m: SequenceClassifier) => async (ids: number[][], lengths: number[]) =>
  tf.tidy(() => tf.softmax(m.logits(idsTensor(ids), lengths)).arraySync() as number[][]);

it('a second run reads its frozen prefix from the store (so does the book selection, the same prefix) and ends as the first', async () => {
  const first = await runTraining(lora, { prefixStore: { dir: storeDir, capBytes: 2 ** 30, log: () => {} } });
  expect(first.outcome.prefixCache).toMatchObject({ k: 1, source: 'computed' });
  expect(first.outcome.trainStep.fallbackReason).toBeNull();
  // Rank-4 adapters on block 1's four linear layers ([in + out] · 4 each) and the head: nothing of block 0.
  expect(first.parameters.trainable).toBe(4 * (32 + 96) + 4 * (32 + 32) + 4 * (32 + 128) + 4 * (128 + 32) + 32 * 2 + 2);
  const second = await runTraining(lora, { prefixStore: { dir: storeDir, capBytes: 2 ** 30, log: () => {} } });
  expect(second.outcome.prefixCache).toEqual({ ...first.outcome.prefixCache, source: 'store' });
  expect(second.outcome.final).toEqual(first.outcome.final);
  const book = await runTraining(config({ kind: 'last', blocks: 1 }), { prefixStore: { dir: storeDir, capBytes: 2 ** 30, log: () => {} } });
  expect(book.outcome.prefixCache).toEqual({ ...first.outcome.prefixCache, source: 'store' });
});

it('the saved classifier (adapters on the top block only) predicts on tfjs and on ONNX Runtime what the run recorded', async () => {
  const outDir = path.join(dir, 'classifier');
  const run = await runTraining(lora, { outDir });
  const recorded = run.outcome.final.test.predictions!;
  const { examples } = await prepareData(lora, modelShape(lora).nPositions);
  expect(examples.test).toHaveLength(recorded.predicted.length);

  const saved = await loadClassifier(outDir);
  expect(saved.sidecar.trainable).toEqual({ kind: 'lora', rank: 4, alpha: 2, blocks: 1 });
  expect([...saved.model.gpt.params.keys()].filter((n) => n.includes('lora_'))).toHaveLength(4 * 2);
  expect(saved.model.frozenPrefix()).toBe(1);
  // Not vacuous: the adapters learned (B starts at 0), so predictions read them.
  expect(Math.max(...Array.from(saved.model.gpt.param('h.1.mlp.c_fc.lora_B').dataSync(), Math.abs))).toBeGreaterThan(1e-3);
  const onTfjs = await predict(examples.test, tfjsProbabilities(saved.model));
  const onnx = await OnnxClassifier.fromWeights(saved.model.gpt.config, await inferenceWeights(saved.model), 'last-token', 2);
  const onOnnx = await predict(examples.test, (ids, lengths) => onnx.probabilities(ids, lengths));
  await onnx.dispose();
  saved.model.dispose();

  expect(new Set(recorded.confidence).size).toBeGreaterThan(10);
  for (const predictions of [onTfjs, onOnnx]) {
    expect(predictions.map((p) => p.predicted)).toEqual(Array.from(recorded.predicted));
    predictions.forEach((p, i) => expect(p.confidence).toBeCloseTo(recorded.confidence[i], 4));
  }
});
