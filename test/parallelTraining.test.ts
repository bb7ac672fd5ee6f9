import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfigInput } from '../src/common/runConfig.js';
import type { SplitExamples } from '../src/core/data/examples.js';
import { initBackend } from '../src/core/model/backend.js';
import { AdamW } from '../src/core/train/adamw.js';
import { trainClassifier, TrainingCancelled, type LoopOptions, type TrainEvent } from '../src/core/train/loop.js';
import { threadInit } from '../src/core/train/parallel/parallelTrainer.js';
import { liveTrainThreads, ThreadPool } from '../src/core/train/parallel/threadPool.js';
import { buildClassifier, modelShape, prepareData } from '../src/core/train/run.js';
import { lastJson, runWorkbench } from './support/cli.js';
import { sharedPath, SMS_SPAM_COLLECTION, smsCacheDir } from './support/shared.js';
import { tempDir } from './support/tempDir.js';

/* Data-parallel training threads on the real SMS data with tiny random-weight GPT-2s. */

let cacheDir: string;
beforeAll(async () => {
  await initBackend('wasm');
  cacheDir = smsCacheDir();
});

const tiny = { preset: 'custom', custom: { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 128 }, weights: 'random' } as const;
const base = { model: tiny, pooling: 'last-token', learningRate: 1e-3, epochs: 1, evalEvery: 100, evalBatches: 1, maxLength: 40 } as const;

/** A run on 30 training examples; its step losses and trained weights. */
async function run(input: RunConfigInput, threads: number, options: LoopOptions = {}) {
  const config = RunConfigSchema.parse(input);
  const data = await prepareData(config, modelShape(config).nPositions, { cacheDir });
  const examples: SplitExamples = {
    train: data.examples.train.slice(0, 30),
    val: data.examples.val.slice(0, 8),
    test: data.examples.test.slice(0, 8),
  };
  const { model } = await buildClassifier(config, 2);
  const tensorsBefore = tf.memory().numTensors;
  try {
    const losses: number[] = [];
    let threadsSeen = 0;
    const onEvent = (e: TrainEvent) => {
      options.onEvent?.(e);
      if (e.kind !== 'step') return;
      losses.push(e.loss);
      threadsSeen = Math.max(threadsSeen, liveTrainThreads() + 1);
    };
    const outcome = await trainClassifier(
      model,
      config,
      { examples, padLength: data.padLength },
      { ...options, threads, inference: 'tfjs', onEvent },
    );
    const weights = new Map<string, Float32Array>();
    for (const [name, v] of model.namedParams()) if (v.trainable) weights.set(name, Float32Array.from(await v.data()));
    expect(threadsSeen).toBe(threads);
    return { outcome, losses, weights, lr: config.learningRate, C: model.gpt.config.nEmbd };
  } finally {
    expect(tf.memory().numTensors).toBe(tensorsBefore); // the threaded step leaves nothing behind either
    model.dispose();
  }
}

/** Largest difference relative to the larger magnitude, plus 1e-7 of slack for values near zero. */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.max(0, Math.abs(a[i] - b[i]) - 1e-7) / Math.max(Math.abs(a[i]), Math.abs(b[i])));
  return worst;
}

/**
 * The attention key biases get an exactly zero gradient (softmax ignores a shift shared by all keys),
 * so AdamW's normalised steps turn either run's rounding noise there into moves of up to lr per step:
 * those entries are only held to that bound; every other weight to 1e-5 relative.
 */
function expectSameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>, C: number, bound: number) {
  for (const [name, w] of a) {
    const other = b.get(name)!;
    if (!name.endsWith('attn.c_attn.bias')) {
      expect(maxRelDiff(w, other), name).toBeLessThan(1e-5);
      continue;
    }
    const isKey = (i: number) => i >= C && i < 2 * C;
    expect(
      maxRelDiff(
        w.filter((_, i) => !isKey(i)),
        other.filter((_, i) => !isKey(i)),
      ),
      name,
    ).toBeLessThan(1e-5);
    w.forEach((x, i) => isKey(i) && expect(Math.abs(x - other[i])).toBeLessThanOrEqual(bound));
  }
}

async function expectSameRun(input: RunConfigInput) {
  const one = await run(input, 1);
  const two = await run(input, 2);
  expect(two.losses).toHaveLength(one.losses.length);
  expect(maxRelDiff(two.losses, one.losses)).toBeLessThan(1e-5);
  expectSameWeights(two.weights, one.weights, one.C, one.lr * one.losses.length);
  expect(two.outcome.final.test.accuracy).toBe(one.outcome.final.test.accuracy);
  expect(liveTrainThreads()).toBe(0);
  return two;
}

describe('two training threads give the run of one', () => {
  it('the last block on the frozen-prefix cache, batches of 5 split 3 + 2', async () => {
    await expectSameRun({ ...base, trainable: { kind: 'last', blocks: 1 }, batchSize: 5 });
  });

  it('everything trained (embeddings inside the tape), with gradient clipping applied to the averaged gradients', async () => {
    await expectSameRun({ ...base, trainable: { kind: 'all' }, batchSize: 8, gradClip: 0.05 });
  });

  it('LoRA adapters', async () => {
    await expectSameRun({ ...base, trainable: { kind: 'lora', rank: 4, alpha: 8 }, batchSize: 8 });
  });

  it('LoRA adapters on the last block, on the frozen-prefix cache', async () => {
    const two = await expectSameRun({ ...base, trainable: { kind: 'lora', rank: 4, alpha: 8, blocks: 1 }, batchSize: 8 });
    expect(two.outcome.prefixCache).toMatchObject({ k: 1, source: 'computed' });
  });

  const checkpointDir = tempDir('wb-threads-ckpt-');
  it("a resumed run's threads start from the checkpoint's weights and optimizer moments", async () => {
    const input = { ...base, trainable: { kind: 'last', blocks: 1 }, batchSize: 5, epochs: 2 } as const;
    const one = await run(input, 1);
    const controller = new AbortController();
    const onEvent = (e: TrainEvent) => e.kind === 'step' && e.epoch === 1 && controller.abort();
    await expect(run(input, 2, { checkpointDir, signal: controller.signal, onEvent })).rejects.toBeInstanceOf(TrainingCancelled);
    const resumed = await run(input, 2, { checkpointDir });
    expect(resumed.outcome.resumedFromEpoch).toBe(0);
    expect(maxRelDiff(resumed.losses, one.losses.slice(-resumed.losses.length))).toBeLessThan(1e-5);
    expectSameWeights(resumed.weights, one.weights, one.C, one.lr * one.losses.length);
    expect(liveTrainThreads()).toBe(0);
  });
});

describe('thread failures and teardown', () => {
  async function tinyModel() {
    const config = RunConfigSchema.parse({ ...base, trainable: { kind: 'all' } });
    const { model } = await buildClassifier(config, 2);
    return model;
  }
  const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0 });

  it('a thread that cannot start fails the start with one clear error and leaves no thread running', async () => {
    const model = await tinyModel();
    try {
      await expect(ThreadPool.start(2, { ...(await threadInit(model, optimizer, 3)), backend: 'no-such-backend' })).rejects.toThrow(
        /^training thread [12] failed: unknown backend "no-such-backend"/,
      );
      expect(liveTrainThreads()).toBe(0);
    } finally {
      model.dispose();
    }
  });

  it("an error inside a thread rejects the step with the thread's message; later steps fail the same way; dispose stops it", async () => {
    const model = await tinyModel();
    const pool = await ThreadPool.start(1, await threadInit(model, optimizer, 2));
    try {
      expect(liveTrainThreads()).toBe(1);
      // Hidden states [1, 2, 32] need 64 values.
      const shard = { batch: { ids: [[1, 2]], lengths: [2], labels: [0] }, prefix: { data: new Float32Array(5), k: 1 } };
      const failure = /^training thread 1 failed: .*/;
      await expect(pool.ask([{ type: 'shard', shard }])).rejects.toThrow(failure);
      await expect(pool.ask([{ type: 'update', shardWeights: [1], scale: 1 }])).rejects.toThrow(failure);
    } finally {
      await pool.dispose();
      model.dispose();
    }
    expect(liveTrainThreads()).toBe(0);
  });
});

describe('the command line', () => {
  const dir = tempDir('wb-threads-');
  // Threads share out tfjs steps; on the ONNX path the step runs natively on every core instead.
  const env = { WORKBENCH_BACKEND: 'wasm', WORKBENCH_INFERENCE: 'tfjs', WORKBENCH_CACHE_DIR: dir, WORKBENCH_TRAIN_THREADS: '2' };
  // The first 200 messages of the real collection: a run of a few steps.
  const file = path.join(dir, 'sms.tsv');
  writeFileSync(file, readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split('\n').slice(0, 200).join('\n'));
  const args = [
    'train',
    '--model',
    'custom:1,16,2',
    '--weights',
    'random',
    '--epochs',
    '1',
    '--trainable',
    'all',
    '--pooling',
    'last-token',
    '--json',
  ];

  it('trains on two threads with WORKBENCH_TRAIN_THREADS=2 and the process exits by itself when done', async () => {
    const result = lastJson(await runWorkbench([...args, '--dataset', file], { env }));
    expect(result.steps).toBeGreaterThan(1);
  });

  it('a bad WORKBENCH_TRAIN_THREADS is one clear error', async () => {
    const run = await runWorkbench([...args, '--dataset', file], { env: { ...env, WORKBENCH_TRAIN_THREADS: 'two' } });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('WORKBENCH_TRAIN_THREADS must be a whole number of at least 1, not "two"');
  });
});
