import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfigInput } from '../../common/runConfig.js';
import { messageOf } from '../../../test/support/errors.js';
import type { SplitExamples } from '../data/examples.js';
import { initBackend } from '../model/backend.js';
import { writeSafetensors } from '../model/safetensors.js';
import { buildClassifier } from './run.js';
import { trainClassifier } from './loop.js';

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
});

// Made-up token ids: checkpoints care about shapes and fingerprints, not about what is learned.
const example = (i: number) => ({ ids: [10 + (i % 7), 20 + (i % 5), 30 + (i % 3)], label: i % 2 });
const examples = (n: number, offset = 0): SplitExamples => ({
  train: Array.from({ length: n }, (_, i) => example(i + offset)),
  val: Array.from({ length: 8 }, (_, i) => example(i + 100)),
  test: Array.from({ length: 8 }, (_, i) => example(i + 200)),
});
const base = {
  model: { preset: 'custom', custom: { nLayer: 1, nEmbd: 8, nHead: 2, nPositions: 16 }, weights: 'random' },
  trainable: { kind: 'all' },
  pooling: 'last-token',
  learningRate: 1e-2,
  epochs: 1,
  batchSize: 8,
  evalEvery: 100,
  evalBatches: 1,
} as const satisfies RunConfigInput;

async function run(input: RunConfigInput, dir: string, data = examples(16)) {
  const config = RunConfigSchema.parse(input);
  const { model } = await buildClassifier(config, 2);
  try {
    return await trainClassifier(model, config, { examples: data, padLength: 3 }, { checkpointDir: dir });
  } finally {
    model.dispose();
  }
}

const newDir = () => mkdtemp(path.join(os.tmpdir(), 'wb-ckpt-test-'));
const readJson = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'checkpoint.json'), 'utf8'));

describe('checkpoints belong to one experiment', () => {
  it('resumes the same experiment, with more epochs', async () => {
    const dir = await newDir();
    await run(base, dir);
    const resumed = await run({ ...base, epochs: 2, name: 'renamed' }, dir);
    expect(resumed.resumedFromEpoch).toBe(0);
    expect(resumed.history.epochs).toHaveLength(2);
  });

  it('resumes the same rows read from a file elsewhere (a training host keeps its own copy of the data set)', async () => {
    const dir = await newDir();
    await run(base, dir);
    const moved = { ...base, epochs: 2, dataset: { source: '/another/host/datasets/rows.tsv' } };
    expect((await run(moved, dir)).resumedFromEpoch).toBe(0);
  });

  it('refuses to resume another learning rate, saying what differs and how to start fresh', async () => {
    const dir = await newDir();
    await run(base, dir);
    expect(await messageOf(run({ ...base, learningRate: 5e-3, epochs: 2 }, dir))).toBe(
      `the checkpoint in ${dir} is of another experiment: learningRate 0.01 (checkpoint) ≠ 0.005 (this run); to start fresh, delete ${dir} or give another --checkpoint-dir`,
    );
  });

  it('refuses another data set, and another model', async () => {
    const dir = await newDir();
    await run(base, dir);
    expect(await messageOf(run({ ...base, epochs: 2 }, dir, examples(16, 1)))).toContain(
      'is of another experiment: the data set (its rows, split or tokenization) differs;',
    );
    const wider = { ...base, epochs: 2, model: { ...base.model, custom: { ...base.model.custom, nEmbd: 16 } } };
    expect(await messageOf(run(wider, dir))).toContain('model.custom.nEmbd 8 (checkpoint) ≠ 16 (this run)');
  });

  it('refuses a checkpoint written by an older version', async () => {
    const dir = await newDir();
    await writeFile(path.join(dir, 'checkpoint.json'), JSON.stringify({ epoch: 0, tensorsFile: 'checkpoint-1.safetensors' }));
    expect(await messageOf(run(base, dir))).toMatch(
      /checkpoint\.json was written by an older version of the workbench and cannot be resumed; to start fresh/,
    );
  });
});

describe('a damaged checkpoint fails with a clear message', () => {
  it('never follows a tensors file name out of its folder (nor deletes that file)', async () => {
    const dir = await newDir();
    await run(base, dir);
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-outside.safetensors`);
    await writeFile(outside, 'precious');
    const json = await readJson(dir);
    await writeFile(path.join(dir, 'checkpoint.json'), JSON.stringify({ ...json, tensorsFile: `../${path.basename(outside)}` }));
    expect(await messageOf(run({ ...base, epochs: 2 }, dir))).toMatch(
      /checkpoint\.json is damaged: "tensorsFile" must be checkpoint-N\.safetensors, a file in the same folder; to start fresh/,
    );
    expect(await readFile(outside, 'utf8')).toBe('precious');
  });

  it('names a tensor whose shape does not fit the model instead of failing inside tfjs', async () => {
    const dir = await newDir();
    await run(base, dir);
    const { tensorsFile } = await readJson(dir);
    await writeSafetensors(path.join(dir, tensorsFile), new Map([['param/classifier.bias', { shape: [3], data: new Float32Array(3) }]]));
    expect(await messageOf(run({ ...base, epochs: 2 }, dir))).toBe(
      `${path.join(dir, tensorsFile)}: tensor "param/classifier.bias" has shape [3], the model needs [2]`,
    );
  });

  it('says so when the weights of the best epoch are missing, instead of reporting that epoch', async () => {
    const dir = await newDir();
    const es = { ...base, earlyStopping: { patience: 5, minDelta: 0 } } as const;
    await run(es, dir);
    const json = await readJson(dir);
    expect(json.bestEpoch).toBe(0);
    await writeFile(path.join(dir, 'checkpoint.json'), JSON.stringify({ ...json, bestEpoch: null }));
    expect(await messageOf(run({ ...es, epochs: 2 }, dir))).toBe(
      `the checkpoint in ${dir} lacks the weights of its best epoch 1; delete it or give another --checkpoint-dir to start fresh`,
    );
  });

  it('keeps one tensors file per checkpoint folder', async () => {
    const dir = await newDir();
    await run({ ...base, epochs: 3 }, dir);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['checkpoint-3.safetensors', 'checkpoint.json']);
    expect(existsSync(path.join(dir, (await readJson(dir)).tensorsFile))).toBe(true);
  });
});
