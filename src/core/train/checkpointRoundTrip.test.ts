import { readdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/tempDir.js';
import { initBackend } from '../model/backend.js';
import { customConfig } from '../model/config.js';
import { GPT2 } from '../model/gpt2.js';
import { loadGradients } from '../model/gradients.js';
import { SequenceClassifier } from '../model/sequenceClassifier.js';
import { AdamW } from './adamw.js';
import { RunConfigSchema } from '../../common/runConfig.js';
import { loadCheckpoint, runFingerprint, saveCheckpoint, type CheckpointState } from './checkpoint.js';
import { newProgress } from './progress.js';
import { trainStep, type Batch } from './step.js';

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

const root = tempDir('checkpoint-');
const disposables: { dispose(): void }[] = [];
afterEach(() => {
  disposables.splice(0).forEach((d) => d.dispose());
});

/** A tiny random GPT-2 classifier training its last block, with its own optimizer. */
function setup(seed: number, nEmbd = 8) {
  const model = new SequenceClassifier(
    GPT2.random(customConfig({ nLayer: 2, nEmbd, nHead: 2, nPositions: 16 }), seed),
    2,
    'last-token',
    seed,
  );
  model.setTrainable({ kind: 'last', blocks: 1 });
  const optimizer = new AdamW({ learningRate: 1e-2, weightDecay: 0.1 });
  disposables.push(model, optimizer);
  return { model, optimizer };
}

/** The fingerprint of a run of this model (checkpoint.test.ts tests what fingerprints refuse). */
const fingerprintOf = (model: SequenceClassifier) => runFingerprint(RunConfigSchema.parse({}), { train: [], val: [], test: [] }, model);

const batch: Batch = {
  ids: [
    [464, 3290, 318],
    [40, 1842, 50256],
  ],
  lengths: [3, 2],
  labels: [1, 0],
};
const train = (s: ReturnType<typeof setup>) =>
  trainStep(s.model, s.optimizer, s.model.trainableVariables(), batch, { dropout: 0, seed: () => null });

function state(epoch: number, step: number): CheckpointState {
  const progress = newProgress();
  progress.history.epochs.push({ epoch, step, examplesSeen: 2 * step, trainAccuracy: 0.5, valAccuracy: 0.5, valLoss: 0.69 });
  return { ...progress, epoch, step, examplesSeen: 2 * step, tokensSeen: 5 * step, trainSeconds: 1.5, rng: { seed: 1, epoch, step } };
}

describe('checkpoints', () => {
  it('round trip: weights, optimizer moments and step, and the state come back, and training goes on identically', async () => {
    const dir = path.join(root, 'round-trip');
    const original = setup(1);
    train(original);
    train(original);
    await saveCheckpoint(dir, original.model, original.optimizer, state(0, 2), fingerprintOf(original.model));

    // The same base (a checkpoint holds only the trained tensors), untrained, with a fresh optimizer.
    const restored = setup(1);
    expect(await restored.model.hostTensors()).not.toEqual(await original.model.hostTensors());
    expect(await loadCheckpoint(dir, restored.model, restored.optimizer, fingerprintOf(restored.model))).toEqual({
      ...state(0, 2),
      best: null,
    });
    expect(await restored.model.hostTensors()).toEqual(await original.model.hostTensors());

    // The third step uses the moments and the bias correction of step 3: equal only if both came back.
    expect(train(restored)).toBe(train(original));
    expect(await restored.model.hostTensors()).toEqual(await original.model.hostTensors());
  });

  it('keeps one tensors file: the next epoch replaces the previous one', async () => {
    const dir = path.join(root, 'next-epoch');
    const run = setup(1);
    await saveCheckpoint(dir, run.model, run.optimizer, state(0, 1), fingerprintOf(run.model));
    await saveCheckpoint(dir, run.model, run.optimizer, state(1, 2), fingerprintOf(run.model));
    expect((await readdir(dir)).sort()).toEqual(['checkpoint-2.safetensors', 'checkpoint.json']);
    const other = setup(3).model;
    expect((await loadCheckpoint(dir, other, new AdamW({ learningRate: 1, weightDecay: 0 }), fingerprintOf(other)))?.epoch).toBe(1);
  });

  it('no checkpoint yet is null; a checkpoint of another model shape is a clear error that changes nothing', async () => {
    const none = setup(1);
    expect(await loadCheckpoint(path.join(root, 'none'), none.model, none.optimizer, fingerprintOf(none.model))).toBeNull();

    const dir = path.join(root, 'other-shape');
    const wide = setup(1, 8);
    train(wide);
    await saveCheckpoint(dir, wide.model, wide.optimizer, state(0, 1), fingerprintOf(wide.model));
    const narrow = setup(1, 4);
    const before = await narrow.model.hostTensors();
    // With its own fingerprint the narrow model is refused as another experiment; past that check
    // (the wide one's fingerprint), the tensors themselves are checked before anything is assigned.
    expect(
      ((await loadCheckpoint(dir, narrow.model, narrow.optimizer, fingerprintOf(narrow.model)).catch((e: unknown) => e)) as Error).message,
    ).toMatch(/is of another experiment: model\.custom|the model has other parameters or shapes/);
    const err = await loadCheckpoint(dir, narrow.model, narrow.optimizer, fingerprintOf(wide.model)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /checkpoint-1\.safetensors: tensor "(m|param)\/classifier\.weight" has shape \[8, 2\], the model needs \[4, 2\]$/,
    );
    expect(await narrow.model.hostTensors()).toEqual(before);
  });

  it('leaves no tensor behind', async () => {
    const dir = path.join(root, 'memory');
    const run = setup(1);
    train(run);
    const before = tf.memory().numTensors;
    await saveCheckpoint(dir, run.model, run.optimizer, state(0, 1), fingerprintOf(run.model));
    await loadCheckpoint(dir, run.model, run.optimizer, fingerprintOf(run.model));
    expect(tf.memory().numTensors).toBe(before);
  });
});
