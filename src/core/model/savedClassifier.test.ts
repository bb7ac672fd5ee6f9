import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Trainable } from '../../common/modelSpec.js';
import { sharedPath } from '../../../test/support/shared.js';
import { AdamW } from '../train/adamw.js';
import { trainStep } from '../train/step.js';
import { idsTensor } from './ops.js';
import { initBackend } from './backend.js';
import { loadGradients } from './gradients.js';
import { SequenceClassifier } from './sequenceClassifier.js';
import { fileSha256, loadClassifier, saveClassifier, SIDECAR_FILE, type ModelBase } from './savedClassifier.js';
import { classify } from './predict.js';
import { customConfig } from './config.js';
import { GPT2 } from './gpt2.js';
import { loadGpt2Checkpoint } from './gpt2Checkpoint.js';

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

const ids = [
  [464, 3290, 318, 257, 1332, 50256],
  [40, 1842, 50256, 50256, 50256, 50256],
];
const lengths = [5, 2];

/** A classifier trained a few steps, so its saved weights differ from any initialisation. */
async function trained(gpt: GPT2, spec: Trainable): Promise<SequenceClassifier> {
  const m = new SequenceClassifier(gpt, 2, 'last-token', 3);
  const vars = m.setTrainable(spec);
  const opt = new AdamW({ learningRate: 1e-2, weightDecay: 0.1 });
  for (let i = 0; i < 3; i++) trainStep(m, opt, vars, { ids, lengths, labels: [1, 0] }, { dropout: 0, seed: () => null });
  opt.dispose();
  return m;
}

const logits = (m: SequenceClassifier) => tf.tidy(() => m.logits(idsTensor(ids), lengths).arraySync());

async function roundTrip(m: SequenceClassifier, base: ModelBase) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wb-clf-'));
  await saveClassifier(dir, m, { base, labels: ['ham', 'spam'], maxLength: 6 });
  const loaded = await loadClassifier(dir);
  expect(logits(loaded.model)).toEqual(logits(m));
  return { dir, loaded };
}

/** The weights file the sidecar in dir names. */
async function weightsPathOf(dir: string): Promise<string> {
  return path.join(dir, JSON.parse(await readFile(path.join(dir, SIDECAR_FILE), 'utf8')).weightsFile);
}

const tiny = customConfig({ nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 64 });

describe('saved classifiers', () => {
  it.each([
    ['random base, last block trained', { kind: 'last', blocks: 1 }],
    ['random base, LoRA', { kind: 'lora', rank: 4, alpha: 8 }],
    ['random base, LoRA on the last block', { kind: 'lora', rank: 4, alpha: 8, blocks: 1 }],
  ] as const)('round trip gives identical logits (%s), storing only the trained tensors', async (_name, spec) => {
    const m = await trained(GPT2.random(tiny, 11), spec);
    const { dir, loaded } = await roundTrip(m, { kind: 'random', seed: 11 });
    expect(loaded.sidecar.trainable).toEqual(spec);
    const header = JSON.parse((await readFile(path.join(dir, SIDECAR_FILE), 'utf8')) as string);
    expect(header).toMatchObject({ tokenizer: 'r50k_base', padToken: 50256, labels: ['ham', 'spam'], pooling: 'last-token', maxLength: 6 });
    const [p] = classify(loaded, ['WINNER!! claim your prize']);
    expect(p.probabilities.ham + p.probabilities.spam).toBeCloseTo(1, 6);
    expect(['ham', 'spam']).toContain(p.label);
    m.dispose();
    loaded.model.dispose();
  });

  it('a pretrained-file base (the golden GPT-2) and a self-contained file round-trip too', async () => {
    const weights = sharedPath('fixtures/golden/golden-gpt2.safetensors');
    const load = async () => {
      const { config, tensors } = await loadGpt2Checkpoint(weights, { configPath: sharedPath('fixtures/golden/golden-gpt2.config.json') });
      return GPT2.fromTensors(config, tensors);
    };
    const m = await trained(await load(), { kind: 'last', blocks: 1 });
    const fromFile = await roundTrip(m, { kind: 'file', path: weights });
    const selfContained = await roundTrip(m, { kind: 'none' });
    const size = async (dir: string) => (await readFile(await weightsPathOf(dir))).length;
    expect(await size(fromFile.dir)).toBeLessThan((await size(selfContained.dir)) / 2);
    [m, fromFile.loaded.model, selfContained.loaded.model].forEach((x) => x.dispose());
  });

  it('a damaged sidecar or weights file fails with a message naming the file', async () => {
    const m = await trained(GPT2.random(tiny, 11), { kind: 'head' });
    const { dir, loaded } = await roundTrip(m, { kind: 'random', seed: 11 });
    loaded.model.dispose();
    const sidecar = path.join(dir, SIDECAR_FILE);
    const good = await readFile(sidecar, 'utf8');
    await writeFile(sidecar, good.replace('"last-token"', '"first-token"'));
    await expect(loadClassifier(dir)).rejects.toThrow(new RegExp(`${SIDECAR_FILE}.*pooling`));
    await writeFile(sidecar, '{not json');
    await expect(loadClassifier(dir)).rejects.toThrow(/not valid JSON/);
    await writeFile(sidecar, good);
    const weightsPath = await weightsPathOf(dir);
    const bytes = await readFile(weightsPath);
    await writeFile(weightsPath, bytes.subarray(0, bytes.length - 10));
    await expect(loadClassifier(dir)).rejects.toThrow(/truncated/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1] ^= 0xff;
    await writeFile(weightsPath, flipped);
    await expect(loadClassifier(dir)).rejects.toThrow(/sha256 differs/);
    await expect(loadClassifier(path.join(dir, 'nowhere'))).rejects.toThrow(/not a saved classifier/);
    m.dispose();
  });

  it('refuses weights holding NaN, and classify never answers with an undefined label', async () => {
    const m = await trained(GPT2.random(tiny, 11), { kind: 'head' });
    const { dir, loaded } = await roundTrip(m, { kind: 'random', seed: 11 });
    loaded.model.headBias.assign(tf.tensor([NaN, 0]));
    expect(() => classify(loaded, ['hello'])).toThrow('the classifier answered NaN: its weights are damaged (retrain it, or load another)');
    await saveClassifier(dir, loaded.model, { base: { kind: 'random', seed: 11 }, labels: ['ham', 'spam'], maxLength: 6 });
    await expect(loadClassifier(dir)).rejects.toThrow(/tensor "classifier\.bias" holds NaN \(value 0\): the weights are damaged/);
    [m, loaded.model].forEach((x) => x.dispose());
  });

  it('checks the labels of the sidecar against the shape of the head', async () => {
    const m = await trained(GPT2.random(tiny, 11), { kind: 'head' });
    const { dir, loaded } = await roundTrip(m, { kind: 'random', seed: 11 });
    loaded.model.dispose();
    const sidecar = path.join(dir, SIDECAR_FILE);
    const json = JSON.parse(await readFile(sidecar, 'utf8'));
    await writeFile(sidecar, JSON.stringify({ ...json, labels: ['ham', 'spam', 'eggs'] }));
    await expect(loadClassifier(dir)).rejects.toThrow(
      `${path.join(dir, json.weightsFile)}: the head "classifier.weight" has shape [32, 2], but ${SIDECAR_FILE} lists 3 labels (needs [32, 3])`,
    );
    await writeFile(sidecar, JSON.stringify({ ...json, weightsFile: '../elsewhere.safetensors' }));
    await expect(loadClassifier(dir)).rejects.toThrow(/weightsFile.*must be classifier-N\.safetensors/);
    m.dispose();
  });

  it('records the sha256 of a local base file and refuses to load over another file in its place', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'wb-base-'));
    const base = path.join(folder, 'base.safetensors');
    await writeFile(base, await readFile(sharedPath('fixtures/golden/golden-gpt2.safetensors')));
    await writeFile(path.join(folder, 'config.json'), await readFile(sharedPath('fixtures/golden/golden-gpt2.config.json')));
    const { config, tensors } = await loadGpt2Checkpoint(base);
    const m = await trained(GPT2.fromTensors(config, tensors), { kind: 'head' });
    const sha256 = await fileSha256(base);
    const { dir, loaded } = await roundTrip(m, { kind: 'file', path: base, sha256 });
    loaded.model.dispose();
    const bytes = await readFile(base);
    bytes[bytes.length - 1] ^= 1; // still a valid checkpoint, but other weights
    await writeFile(base, bytes);
    await expect(loadClassifier(dir)).rejects.toThrow(
      `${base} is not the base weights file this classifier was trained on (sha256 ${await fileSha256(base)}, expected ${sha256}): put the original file back there`,
    );
    m.dispose();
  });
});
