import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/core/model/backend.js';
import { loadClassifier, saveClassifier, SIDECAR_FILE } from '../../src/core/model/savedClassifier.js';
import { AdamW } from '../../src/core/train/adamw.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/core/train/checkpoint.js';
import { mutatedJson, okOrOneLineError, runs } from '../support/fuzz.js';
import { tempDir } from '../support/tempDir.js';
import { tinyClassifier, tinyFingerprint } from '../support/tinyClassifier.js';

/* The saved classifier's sidecar and the checkpoint's JSON, damaged or hand-edited in every way. */

const dir = tempDir('saved-files-fuzz-');
const classifierDir = path.join(dir, 'classifier');
const checkpointDir = path.join(dir, 'checkpoint');
let sidecar: unknown;
let checkpoint: unknown;

beforeAll(async () => {
  await initBackend('cpu');
  const model = tinyClassifier();
  const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0 });
  await saveClassifier(classifierDir, model, { base: { kind: 'random', seed: 1 }, labels: ['ham', 'spam'], maxLength: 4 });
  const history = {
    evals: [{ step: 1, epoch: 0, examplesSeen: 8, trainLoss: 0.5, valLoss: 0.6, trainAccuracy: 1, valAccuracy: 0.5 }],
    epochs: [{ epoch: 0, step: 1, examplesSeen: 8, trainAccuracy: 1, valAccuracy: 0.5, valLoss: 0.6 }],
  };
  const state = { epoch: 0, step: 1, examplesSeen: 8, tokensSeen: 16, trainSeconds: 1, history, rng: { seed: 1, epoch: 0, step: 1 } };
  await saveCheckpoint(checkpointDir, model, optimizer, state, tinyFingerprint(model), { epoch: 0, weights: await model.hostTensors() });
  sidecar = JSON.parse(await readFile(path.join(classifierDir, SIDECAR_FILE), 'utf8'));
  checkpoint = JSON.parse(await readFile(path.join(checkpointDir, 'checkpoint.json'), 'utf8'));
  [model, optimizer].forEach((x) => x.dispose());
});

describe('fuzzing the saved files', () => {
  it('the classifier sidecar: loads, or fails with one line', async () => {
    const tensorsBefore = tf.memory().numTensors;
    await fc.assert(
      fc.asyncProperty(mutatedJson(sidecar), async (text) => {
        await writeFile(path.join(classifierDir, SIDECAR_FILE), text);
        const loaded = await okOrOneLineError(() => loadClassifier(classifierDir));
        loaded?.model.dispose();
      }),
      { numRuns: runs(600) },
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore); // a failed load leaves nothing behind in tfjs
  });

  it('the checkpoint JSON: resumes, or fails with one line', async () => {
    const model = tinyClassifier();
    const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0 });
    const fingerprint = tinyFingerprint(model);
    await fc.assert(
      fc.asyncProperty(mutatedJson(checkpoint), async (text) => {
        await writeFile(path.join(checkpointDir, 'checkpoint.json'), text);
        await okOrOneLineError(() => loadCheckpoint(checkpointDir, model, optimizer, fingerprint));
      }),
      { numRuns: runs(600) },
    );
    [model, optimizer].forEach((x) => x.dispose());
  });
});
