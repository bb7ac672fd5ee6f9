/*
 * Child process of test/atomicSaves.test.ts: saves version after version of a tiny classifier (or
 * of a checkpoint) into a folder until it is killed. Version N has head bias [N, -N]; the lines
 * "saving N" and "saved N" on stdout tell the parent where it stood.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/model/backend.js';
import { saveClassifier } from '../../src/core/model/savedClassifier.js';
import { AdamW } from '../../src/core/train/adamw.js';
import { saveCheckpoint } from '../../src/core/train/checkpoint.js';
import { tinyClassifier, tinyFingerprint } from './tinyClassifier.js';

const [mode, dir, first] = process.argv.slice(3);
await initBackend('cpu');
const model = tinyClassifier();
const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0 });
const fingerprint = tinyFingerprint(model);
process.stdout.write('ready\n');
for (let v = Number(first); ; v++) {
  model.headBias.assign(tf.tensor([v, -v]));
  process.stdout.write(`saving ${v}\n`);
  if (mode === 'classifier') {
    await saveClassifier(dir, model, { base: { kind: 'random', seed: 1 }, labels: ['ham', 'spam'], maxLength: 4 });
  } else {
    const history = { evals: [], epochs: [] };
    const state = { epoch: v, step: v, examplesSeen: v, tokensSeen: v, trainSeconds: 0, history, rng: { seed: 1, epoch: v, step: v } };
    await saveCheckpoint(dir, model, optimizer, state, fingerprint, { epoch: v, weights: await model.hostTensors() });
  }
  process.stdout.write(`saved ${v}\n`);
}
