import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainable } from '../src/common/modelSpec.js';
import { RunConfigSchema, type RunConfigInput } from '../src/common/runConfig.js';
import { tokenize } from '../src/core/data/tokenizer.js';
import { backendDevice, initBackend } from '../src/core/model/backend.js';
import { initDevice } from '../src/core/model/onnx/session.js';
import type { SplitExamples } from '../src/core/data/examples.js';
import { trainClassifier, TrainingCancelled, type LoopOptions, type TrainEvent } from '../src/core/train/loop.js';
import { buildClassifier, modelShape, prepareData, runTraining } from '../src/core/train/run.js';
import { readSafetensors } from '../src/core/model/safetensors.js';
import { smsCacheDir } from './support/shared.js';

/* Training on the real SMS Spam Collection (../shared/data) with small random-weight GPT-2s. */

let cacheDir: string;
beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  cacheDir = smsCacheDir();
});

const tinyModel = { preset: 'custom', custom: { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 256 }, weights: 'random' } as const;

/** A small slice of the real splits, so a run takes seconds. */
async function smallData(input: RunConfigInput, sizes = { train: 96, val: 32, test: 32 }) {
  const config = RunConfigSchema.parse(input);
  const data = await prepareData(config, modelShape(config).nPositions, { cacheDir });
  const examples: SplitExamples = {
    train: data.examples.train.slice(0, sizes.train),
    val: data.examples.val.slice(0, sizes.val),
    test: data.examples.test.slice(0, sizes.test),
  };
  return { config, data: { examples, padLength: data.padLength } };
}

async function train(input: RunConfigInput, options: LoopOptions = {}) {
  const { config, data } = await smallData(input);
  const tensorsBefore = tf.memory().numTensors;
  const { model } = await buildClassifier(config, 2);
  try {
    const outcome = await trainClassifier(model, config, data, options);
    const weights = await Promise.all(model.trainableVariables().map(async (v) => Array.from(await v.data())));
    return { outcome, weights };
  } finally {
    model.dispose();
    // Nothing of a run (cache, optimizer state, evaluation) may outlive it.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }
}

/** Largest absolute difference between two runs' trained weights (one expect, not one per weight). */
/** What a run's trainStep says on ONNX Runtime: the device it chose (CUDA where it loads), with its reason. */
async function onnxStep() {
  const { device, reason } = await initDevice();
  return { path: 'onnx', fallbackReason: null, device, deviceReason: reason };
}

/** What it says on tfjs: the backend's device. */
const tfjsStep = (fallbackReason: string | null) => ({ path: 'tfjs', fallbackReason, device: backendDevice(), deviceReason: null });

/** Two runs that end alike: equal accuracies and losses to 4 places on every split. */
function expectSameFinal(a: Trained, b: Trained): void {
  for (const split of ['train', 'val', 'test'] as const) {
    expect(a.outcome.final[split].accuracy).toBe(b.outcome.final[split].accuracy);
    expect(a.outcome.final[split].loss).toBeCloseTo(b.outcome.final[split].loss, 4);
  }
}

type Trained = Awaited<ReturnType<typeof train>>;

function maxAbsDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

describe("the book's data preparation on the real SMS data", () => {
  it('reads, balances and splits exactly as the book: 5,572 rows, 1,045 / 149 / 300, padded to 120 tokens', async () => {
    const data = await prepareData(RunConfigSchema.parse({}), 1024, { cacheDir });
    expect(data.dataset.rows.length).toBe(5572);
    expect([data.examples.train.length, data.examples.val.length, data.examples.test.length]).toEqual([1045, 149, 300]);
    const all = [...data.examples.train, ...data.examples.val, ...data.examples.test];
    expect(all.filter((e) => e.label === 1).length).toBe(747);
    // the book: train_dataset.max_length == 120, the longest training message in tokens
    expect(data.padLength).toBe(120);
    expect(Math.max(...data.examples.train.map((e) => e.ids.length))).toBe(120);
  });

  it('`sms-spam` keeps all 5,574 messages; its split pads to its own longest training text', async () => {
    const data = await prepareData(RunConfigSchema.parse({ dataset: { source: 'sms-spam' } }), 1024, { cacheDir });
    expect(data.dataset.rows.length).toBe(5574);
    expect([data.examples.train.length, data.examples.val.length, data.examples.test.length]).toEqual([1045, 149, 300]);
    expect(data.padLength).toBe(Math.max(...data.examples.train.map((e) => e.ids.length)));
    const sms = (await readFile(path.join(cacheDir, 'datasets/sms-spam/SMSSpamCollection'), 'utf8')).split('\n').filter(Boolean);
    expect(Math.max(...sms.map((l) => tokenize(l.slice(l.indexOf('\t') + 1)).length))).toBeGreaterThanOrEqual(data.padLength);
  });
});

describe('training loop equivalences', () => {
  const lastBlock = {
    model: tinyModel,
    trainable: { kind: 'last', blocks: 1 },
    learningRate: 1e-3,
    epochs: 2,
    batchSize: 8,
    evalEvery: 5,
    evalBatches: 2,
  } as const;

  it('the frozen-prefix cache gives the same run as recomputing the frozen blocks (both on tfjs)', async () => {
    // Like with like: the ONNX prefix agrees to float rounding (test/onnxGolden.test.ts), which AdamW's normalised steps amplify.
    const cached = await train({ ...lastBlock, pooling: 'last-position', maxLength: 40 }, { inference: 'tfjs' });
    const uncached = await train({ ...lastBlock, pooling: 'last-position', maxLength: 40 }, { prefixCache: false });
    expect(cached.outcome.prefixCache).toEqual({ k: 1, examples: 160, inference: 'tfjs', source: 'computed' });
    expect(uncached.outcome.prefixCache).toBeNull();
    expect(cached.outcome.final.test.accuracy).toBe(uncached.outcome.final.test.accuracy);
    expect(cached.outcome.final.train.loss).toBeCloseTo(uncached.outcome.final.train.loss, 5);
    expect(maxAbsDiff(cached.weights, uncached.weights)).toBeLessThan(1e-5);
  });

  it('the prefix cache, the training step and the evaluation of the top on ONNX Runtime give the run of the tfjs path within float rounding', async () => {
    const onnx = await train({ ...lastBlock, pooling: 'last-token' }, { inference: 'onnx' });
    const tfjs = await train({ ...lastBlock, pooling: 'last-token' }, { inference: 'tfjs' });
    expect(onnx.outcome.prefixCache).toEqual({ k: 1, examples: 160, inference: 'onnx', source: 'computed' });
    expect(onnx.outcome.trainStep).toEqual(await onnxStep());
    expect(tfjs.outcome.trainStep).toEqual(tfjsStep(null));
    expectSameFinal(onnx, tfjs);
    onnx.outcome.history.evals.forEach((e, i) => expect(e.valLoss).toBeCloseTo(tfjs.outcome.history.evals[i].valLoss, 4));
    // AdamW's normalised steps let 1e-7 differences in the cached states grow (see the trimming test below).
    expect(maxAbsDiff(onnx.weights, tfjs.weights)).toBeLessThan(1e-3);
  });

  it('head+norm with mean pooling trains on ONNX Runtime to the accuracy of the tfjs step', async () => {
    const input = { ...lastBlock, trainable: { kind: 'head+norm' }, pooling: 'mean', learningRate: 1e-2 } as const;
    const onnx = await train(input, { inference: 'onnx' });
    const tfjs = await train(input, { inference: 'tfjs' });
    expect(onnx.outcome.trainStep.path).toBe('onnx');
    for (const split of ['train', 'val', 'test'] as const)
      expect(onnx.outcome.final[split].accuracy).toBe(tfjs.outcome.final[split].accuracy);
    expect(maxAbsDiff(onnx.weights, tfjs.weights)).toBeLessThan(1e-3);
  });

  it('everything trained, embeddings included, trains on ONNX Runtime (from the ids) to the accuracy of the tfjs step', async () => {
    const input = { ...lastBlock, epochs: 1, trainable: { kind: 'all' } } as const;
    const onnx = await train(input, { inference: 'onnx' });
    const tfjs = await train(input, { inference: 'tfjs' });
    expect(onnx.outcome.trainStep).toEqual(await onnxStep());
    expect(onnx.outcome.prefixCache).toBeNull();
    for (const split of ['train', 'val', 'test'] as const)
      expect(onnx.outcome.final[split].accuracy).toBe(tfjs.outcome.final[split].accuracy);
    expect(maxAbsDiff(onnx.weights, tfjs.weights)).toBeLessThan(1e-3);
  });

  it('LoRA trains on ONNX Runtime (from the ids, the base weights frozen) to the accuracy of the tfjs step', async () => {
    const input = { ...lastBlock, trainable: { kind: 'lora', rank: 4, alpha: 2 } } as const;
    const onnx = await train(input, { inference: 'onnx' });
    const tfjs = await train(input, { inference: 'tfjs' });
    expect(onnx.outcome.trainStep).toMatchObject({ path: 'onnx', fallbackReason: null });
    expect(onnx.outcome.prefixCache).toBeNull();
    // Without a cache the evaluations follow the step: the whole classifier, adapters merged, on ONNX Runtime.
    expect([onnx.outcome.evaluation, tfjs.outcome.evaluation]).toEqual(['onnx', 'tfjs']);
    expectSameFinal(onnx, tfjs);
    expect(maxAbsDiff(onnx.weights, tfjs.weights)).toBeLessThan(1e-3);
  });

  it('LoRA on the last block trains from the cached prefix, on ONNX Runtime as on tfjs, to the same run', async () => {
    const input = { ...lastBlock, trainable: { kind: 'lora', rank: 4, alpha: 2, blocks: 1 } } as const;
    const onnx = await train(input, { inference: 'onnx' });
    const tfjs = await train(input, { inference: 'tfjs' });
    expect(onnx.outcome.trainStep).toEqual(await onnxStep());
    expect(tfjs.outcome.trainStep).toEqual(tfjsStep(null));
    // The block below the adapters is the frozen prefix, computed once: the steps and evaluations run only the top.
    expect(onnx.outcome.prefixCache).toEqual({ k: 1, examples: 160, inference: 'onnx', source: 'computed' });
    expect(tfjs.outcome.prefixCache).toEqual({ k: 1, examples: 160, inference: 'tfjs', source: 'computed' });
    expect(onnx.weights).toHaveLength(4 * 2 + 2); // block 1's adapters and the head
    expectSameFinal(onnx, tfjs);
    expect(maxAbsDiff(onnx.weights, tfjs.weights)).toBeLessThan(1e-3);
  });

  it('last-token batches trimmed to their longest text equal full padding', async () => {
    const trimmed = await train({ ...lastBlock, pooling: 'last-token' }, { prefixCache: false });
    const full = await train({ ...lastBlock, pooling: 'last-token' }, { prefixCache: false, padding: 'full' });
    // Same maths; only the float summation order inside the kernels differs with the padded length,
    // and Adam's normalised steps let such 1e-7 differences grow to ~1e-4 in weights over 24 steps.
    expect(trimmed.outcome.final.val.loss).toBeCloseTo(full.outcome.final.val.loss, 4);
    expect(trimmed.outcome.final.test.accuracy).toBe(full.outcome.final.test.accuracy);
    trimmed.outcome.history.evals.forEach((e, i) => expect(e.trainLoss).toBeCloseTo(full.outcome.history.evals[i].trainLoss, 4));
    expect(maxAbsDiff(trimmed.weights, full.weights)).toBeLessThan(1e-3);
  });

  it('the same seed on the same backend gives the same numbers; another seed does not', async () => {
    const cfg = { ...lastBlock, pooling: 'last-token', dropout: 0.1, epochs: 1 } as const;
    const a = await train(cfg);
    const b = await train(cfg);
    const c = await train({ ...cfg, seed: 5 });
    expect(a.outcome.history).toEqual(b.outcome.history);
    expect(maxAbsDiff(a.weights, b.weights)).toBe(0);
    expect(maxAbsDiff(c.weights, a.weights)).toBeGreaterThan(0);
  });
});

describe('dropout on ONNX Runtime', () => {
  const dropped = {
    model: { ...tinyModel, custom: { ...tinyModel.custom, nLayer: 3 } },
    trainable: { kind: 'last', blocks: 1 },
    pooling: 'last-token',
    dropout: 0.2,
    learningRate: 1e-3,
    epochs: 2,
    batchSize: 8,
    evalEvery: 5,
    evalBatches: 2,
  } as const;

  it.each([
    ['all', 'last-1'],
    ['trained', 'last-1'],
    ['all', 'lora:4,2,last-1'],
    ['trained', 'lora:4,2,last-1'],
    ['all', 'head'], // every block frozen: the last computes only the pooled position (a picked block)
  ] as const)(
    'scope %s trains %s on ONNX Runtime (the frozen prefix cached, for evaluation at least) to the run of the tfjs step',
    async (dropoutScope, trainable) => {
      const input = { ...dropped, dropoutScope, trainable: parseTrainable(trainable) };
      const onnx = await train(input, { inference: 'onnx' });
      const tfjs = await train(input, { inference: 'tfjs' });
      expect(onnx.outcome.trainStep).toEqual(await onnxStep());
      const k = trainable === 'head' ? 3 : 2;
      expect(onnx.outcome.prefixCache).toEqual({ k, examples: 160, inference: 'onnx', source: 'computed' });
      expect(tfjs.outcome.prefixCache).toEqual({ k, examples: 160, inference: 'tfjs', source: 'computed' });
      expectSameFinal(onnx, tfjs);
      onnx.outcome.history.evals.forEach((e, i) => expect(e.trainLoss).toBeCloseTo(tfjs.outcome.history.evals[i].trainLoss, 4));
      expect(maxAbsDiff(onnx.weights, tfjs.weights)).toBeLessThan(1e-3);
    },
  );

  it('on tfjs, scope trained from the cache gives the run that recomputes the frozen blocks at every step', async () => {
    const cached = await train({ ...dropped, epochs: 1, dropoutScope: 'trained' }, { inference: 'tfjs' });
    const uncached = await train({ ...dropped, epochs: 1, dropoutScope: 'trained' }, { inference: 'tfjs', prefixCache: false });
    expect([cached.outcome.prefixCache?.k, uncached.outcome.prefixCache]).toEqual([2, null]);
    cached.outcome.history.evals.forEach((e, i) => expect(e.trainLoss).toBeCloseTo(uncached.outcome.history.evals[i].trainLoss, 5));
    // The cache keeps a last-token row's real positions only, so the kernels sum in another order; AdamW amplifies the 1e-7s.
    expect(maxAbsDiff(cached.weights, uncached.weights)).toBeLessThan(1e-4);
  });

  it.each(['onnx', 'tfjs'] as const)(
    'on %s, scope all evaluates from the cached prefix to the figures of the run that evaluates the whole classifier, with the same steps',
    async (inference) => {
      const cached = await train({ ...dropped, epochs: 1 }, { inference });
      const whole = await train({ ...dropped, epochs: 1 }, { inference, prefixCache: false });
      expect([cached.outcome.prefixCache?.k, whole.outcome.prefixCache]).toEqual([2, null]);
      expect([cached.outcome.evaluation, whole.outcome.evaluation]).toEqual([inference, inference]);
      // The steps run the frozen blocks with their masks in both runs: evaluation alone differs, and it changes no weight.
      expect(maxAbsDiff(cached.weights, whole.weights)).toBe(0);
      const { evals } = whole.outcome.history;
      expect(cached.outcome.history.evals.map((e) => e.step)).toEqual(evals.map((e) => e.step));
      cached.outcome.history.evals.forEach((e, i) => {
        expect(e.trainLoss).toBeCloseTo(evals[i].trainLoss, 5);
        expect(e.valLoss).toBeCloseTo(evals[i].valLoss, 5);
        expect(e.valAccuracy).toBe(evals[i].valAccuracy);
      });
      for (const split of ['train', 'val', 'test'] as const) {
        expect(cached.outcome.final[split].accuracy).toBe(whole.outcome.final[split].accuracy);
        expect(cached.outcome.final[split].loss).toBeCloseTo(whole.outcome.final[split].loss, 5);
      }
    },
  );

  it('the scopes are different runs: dropout in the frozen blocks changes what the trained block learns', async () => {
    const all = await train({ ...dropped, epochs: 1 });
    const trained = await train({ ...dropped, epochs: 1, dropoutScope: 'trained' });
    expect(maxAbsDiff(all.weights, trained.weights)).toBeGreaterThan(1e-4);
  });

  it('a seeded dropout run resumed from its checkpoint ends where the uninterrupted run ends', async () => {
    const cfg = { ...dropped, epochs: 3 } as const;
    const uninterrupted = await train(cfg);
    expect(uninterrupted.outcome.trainStep.path).toBe('onnx');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wb-dropout-'));
    const controller = new AbortController();
    const onEvent = (e: TrainEvent) => e.kind === 'step' && e.epoch === 1 && e.step % 12 === 5 && controller.abort();
    await expect(train(cfg, { checkpointDir: dir, signal: controller.signal, onEvent })).rejects.toBeInstanceOf(TrainingCancelled);
    const resumed = await train(cfg, { checkpointDir: dir });
    expect(resumed.outcome.resumedFromEpoch).toBe(0);
    expect(resumed.outcome.history).toEqual(uninterrupted.outcome.history);
    expect(maxAbsDiff(resumed.weights, uninterrupted.weights)).toBe(0);
  });
});

describe('checkpoints, cancel and resume', () => {
  const cfg = {
    model: tinyModel,
    trainable: { kind: 'all' },
    pooling: 'last-token',
    learningRate: 1e-3,
    epochs: 3,
    batchSize: 8,
    evalEvery: 4,
    evalBatches: 2,
  } as const;

  it('cancel stops within one step, keeps the last checkpoint, and a resume ends where an uninterrupted run ends', async () => {
    const uninterrupted = await train(cfg);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wb-ckpt-'));
    const controller = new AbortController();
    const seen: TrainEvent[] = [];
    let checkpointJson = '';
    const onEvent = (e: TrainEvent) => {
      seen.push(e);
      if (e.kind === 'step' && e.epoch === 1 && e.step % 12 === 5) controller.abort();
    };
    await expect(train(cfg, { checkpointDir: dir, signal: controller.signal, onEvent })).rejects.toBeInstanceOf(TrainingCancelled);
    const abortedAt = seen.findIndex((e) => e.kind === 'step' && e.epoch === 1 && e.step % 12 === 5);
    expect(seen.slice(abortedAt + 1).filter((e) => e.kind === 'step')).toHaveLength(0);
    checkpointJson = await readFile(path.join(dir, 'checkpoint.json'), 'utf8');
    expect(JSON.parse(checkpointJson).epoch).toBe(0);

    const resumed = await train(cfg, { checkpointDir: dir });
    expect(resumed.outcome.resumedFromEpoch).toBe(0);
    expect(resumed.outcome.steps).toBe(uninterrupted.outcome.steps);
    expect(resumed.outcome.history.evals.map((e) => e.step)).toEqual(uninterrupted.outcome.history.evals.map((e) => e.step));
    expect(resumed.outcome.final.test.accuracy).toBe(uninterrupted.outcome.final.test.accuracy);
    expect(maxAbsDiff(resumed.weights, uninterrupted.weights)).toBeLessThan(1e-6);
  });

  it('a checkpoint of the tfjs step resumes on the ONNX step and the other way round: one format, the same moments', async () => {
    const two = { ...cfg, epochs: 2 } as const;
    const uninterrupted = await train(two, { inference: 'tfjs' });
    const tensorNames: string[][] = [];
    for (const [first, then] of [
      ['tfjs', 'onnx'],
      ['onnx', 'tfjs'],
    ] as const) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'wb-ckpt-'));
      expect((await train({ ...two, epochs: 1 }, { checkpointDir: dir, inference: first })).outcome.trainStep.path).toBe(first);
      const state = JSON.parse(await readFile(path.join(dir, 'checkpoint.json'), 'utf8'));
      expect(state.optimizerStep).toBe(12); // 96 training examples, batches of 8
      tensorNames.push([...(await readSafetensors(path.join(dir, state.tensorsFile))).tensors.keys()].sort());
      const resumed = await train(two, { checkpointDir: dir, inference: then });
      expect(resumed.outcome.resumedFromEpoch).toBe(0);
      expect(resumed.outcome.trainStep.path).toBe(then);
      expect(resumed.outcome.steps).toBe(uninterrupted.outcome.steps);
      for (const split of ['train', 'val', 'test'] as const)
        expect(resumed.outcome.final[split].accuracy).toBe(uninterrupted.outcome.final[split].accuracy);
      // Without the moments (or with another step count) AdamW's next steps would be far larger than this.
      expect(maxAbsDiff(resumed.weights, uninterrupted.weights)).toBeLessThan(1e-3);
    }
    expect(tensorNames[0]).toEqual(tensorNames[1]);
  });

  it('early stopping ends the run when the validation loss stops improving and keeps the best epoch, across a resume too', async () => {
    const es = { ...cfg, learningRate: 1e-2, epochs: 8, earlyStopping: { patience: 2, minDelta: 0 } } as const;
    const { outcome } = await train(es);
    const losses = outcome.history.epochs.map((e) => e.valLoss);
    expect(outcome.stoppedEarly).toBe(true);
    expect(losses.length).toBeLessThan(8);
    expect(outcome.bestEpoch).toBe(losses.indexOf(Math.min(...losses)));
    expect(outcome.bestEpoch).toBeLessThan(losses.length - 1);
    // the result is the best epoch's model: its whole-validation loss, not the last epoch's
    expect(outcome.final.val.loss).toBeCloseTo(Math.min(...losses), 5);
    expect(Math.abs(outcome.final.val.loss - losses.at(-1)!)).toBeGreaterThan(1e-3);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'wb-best-'));
    const controller = new AbortController();
    const onEvent = (e: TrainEvent) => e.kind === 'checkpoint' && e.epoch === outcome.bestEpoch! + 1 && controller.abort();
    await expect(train(es, { checkpointDir: dir, signal: controller.signal, onEvent })).rejects.toBeInstanceOf(TrainingCancelled);
    const resumed = await train(es, { checkpointDir: dir });
    expect(resumed.outcome.bestEpoch).toBe(outcome.bestEpoch);
    expect(resumed.outcome.final.val.loss).toBeCloseTo(outcome.final.val.loss, 6);
  });

  it('a LoRA checkpoint written by the tfjs step resumes on the ONNX step and ends where an uninterrupted ONNX run ends', async () => {
    const lora = { ...cfg, trainable: { kind: 'lora', rank: 4, alpha: 2 }, epochs: 2 } as const;
    const uninterrupted = await train(lora, { inference: 'onnx' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wb-lora-'));
    // The checkpoint's fingerprint leaves out the epochs: a one-epoch run's checkpoint is the longer run's first epoch.
    await train({ ...lora, epochs: 1 }, { inference: 'tfjs', checkpointDir: dir });
    expect(JSON.parse(await readFile(path.join(dir, 'checkpoint.json'), 'utf8')).epoch).toBe(0);
    const resumed = await train(lora, { inference: 'onnx', checkpointDir: dir });
    expect(resumed.outcome.resumedFromEpoch).toBe(0);
    expect(resumed.outcome.trainStep.path).toBe('onnx');
    expect(resumed.outcome.steps).toBe(uninterrupted.outcome.steps);
    expect(resumed.outcome.final.test.accuracy).toBe(uninterrupted.outcome.final.test.accuracy);
    // The first epoch ran on the other path: float rounding apart, the same run.
    expect(maxAbsDiff(resumed.weights, uninterrupted.weights)).toBeLessThan(1e-3);
  });

  it('gradient clipping changes the trajectory but still trains', async () => {
    const free = await train({ ...cfg, epochs: 1 });
    const clipped = await train({ ...cfg, epochs: 1, gradClip: 0.05 });
    expect(maxAbsDiff(clipped.weights, free.weights)).toBeGreaterThan(0);
    expect(Number.isFinite(clipped.outcome.final.val.loss)).toBe(true);
  });
});

describe('an end-to-end run on the whole real data set', () => {
  it('a small random-weights GPT-2 reaches at least 90% test accuracy', async () => {
    const events: TrainEvent[] = [];
    const result = await runTraining(
      RunConfigSchema.parse({
        model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4 }, weights: 'random' },
        trainable: { kind: 'all' },
        pooling: 'last-token',
        learningRate: 1e-3,
        epochs: 5,
      }),
      { cacheDir, onEvent: (e) => e.kind !== 'stage' && e.kind !== 'download' && events.push(e) },
    );
    const { final, gap } = result.outcome;
    expect(result.dataset.split).toEqual({ train: 1045, val: 149, test: 300 });
    expect(final.test.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(gap.trainTest).toBeCloseTo(final.train.accuracy - final.test.accuracy, 10);
    expect(final.test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(300);
    const steps = events.filter((e) => e.kind === 'step');
    expect(steps).toHaveLength(650);
    expect(steps.at(-1)).toMatchObject({ step: 650, totalSteps: 650, examplesSeen: 5200, etaSeconds: 0 });
    expect(
      events
        .filter((e) => e.kind === 'eval')
        .map((e) => e.step)
        .slice(0, 3),
    ).toEqual([1, 51, 101]);
    expect(events.filter((e) => e.kind === 'epoch')).toHaveLength(5);
  }, 600_000); // ~60 s alone on 2 cores; CI runs other test files beside it
});
