import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../../test/support/tempDir.js';
import { BOOK_RUN_CONFIG } from '../common/runConfig.js';
import { runConfigFrom } from './trainFlags.js';

const dir = tempDir('train-flags-');

async function configFile(json: object): Promise<string> {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(json));
  return file;
}

describe('runConfigFrom', () => {
  test('no file and no flags: the book recipe', async () => {
    expect(await runConfigFrom(undefined, {})).toEqual(BOOK_RUN_CONFIG);
  });

  test('every flag lands in its field', async () => {
    const c = await runConfigFrom(undefined, {
      dataset: 'data.csv',
      'text-column': 'body',
      'label-column': '0',
      delimiter: 'tab',
      'no-balance': true,
      dedupe: true,
      split: '0.8,0.1,0.1',
      model: 'custom:2,64,4,256',
      weights: 'random',
      trainable: 'last-2',
      pooling: 'mean',
      epochs: '3',
      'batch-size': '16',
      lr: '1e-3',
      'weight-decay': '0',
      dropout: '0.1',
      'dropout-scope': 'trained',
      'max-length': 'context',
      'eval-every': '10',
      'eval-batches': '2',
      seed: '7',
      'early-stopping': '2,0.01',
      'grad-clip': '1.5',
      name: 'x',
    });
    expect(c).toEqual({
      name: 'x',
      dataset: {
        source: 'data.csv',
        textColumn: 'body',
        labelColumn: '0',
        delimiter: '\t',
        balance: false,
        dedupe: true,
        split: { train: 0.8, val: 0.1, test: 0.1 },
      },
      model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4, nPositions: 256 }, weights: 'random' },
      trainable: { kind: 'last', blocks: 2 },
      pooling: 'mean',
      dropout: 0.1,
      dropoutScope: 'trained',
      weightDecay: 0,
      learningRate: 1e-3,
      epochs: 3,
      batchSize: 16,
      maxLength: 'context',
      evalEvery: 10,
      evalBatches: 2,
      seed: 7,
      earlyStopping: { patience: 2, minDelta: 0.01 },
      gradClip: 1.5,
    });
  });

  test('flags override the file field by field in dataset and model, whole elsewhere', async () => {
    const file = await configFile({
      dataset: { source: 'data.csv', textColumn: 'body' },
      model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4 }, weights: 'random' },
      trainable: { kind: 'lora', rank: 4, alpha: 8 },
      epochs: 9,
      earlyStopping: { patience: 3 },
    });
    const c = await runConfigFrom(file, {
      'label-column': 'label',
      model: 'gpt2-small',
      'weights-file': 'gpt2.safetensors',
      trainable: 'all',
      'early-stopping': 'off',
    });
    expect(c.dataset).toMatchObject({ source: 'data.csv', textColumn: 'body', labelColumn: 'label' });
    expect(c.model).toEqual({ preset: 'gpt2-small', weights: 'pretrained', weightsFile: 'gpt2.safetensors' });
    expect(c.trainable).toEqual({ kind: 'all' });
    expect(c.epochs).toBe(9);
    expect(c.earlyStopping).toBeNull();
  });

  test.each([
    [{ epochs: '2.5' }, /--epochs takes a whole number, got "2.5"/],
    [{ lr: '' }, /--lr takes a number, got ""/],
    [{ 'max-length': 'long' }, /--max-length/],
    [{ 'early-stopping': '1.5' }, /--early-stopping takes PATIENCE/],
    [{ weights: 'random', 'weights-file': 'f.safetensors' }, /--weights-file needs --weights pretrained/],
    [{ dropout: '2' }, /invalid run config: dropout:/],
    [{ 'dropout-scope': 'frozen' }, /^train: --dropout-scope must be one of all, trained, got "frozen"$/],
    [{ trainable: 'lora:0,1' }, /^train: --trainable: trainable "lora:0,1": Too small: expected number to be >=1$/],
    [{ trainable: 'lora:8,16,last-0' }, /^train: --trainable: trainable "lora:8,16,last-0": Too small: expected number to be >=1$/],
    [{ model: 'custom:2,64,4' }, /custom model with pretrained weights needs weightsFile/],
  ])('%j is refused', async (flags, message) => {
    await expect(runConfigFrom(undefined, flags)).rejects.toThrow(message);
  });

  test('a config file that is not a JSON object', async () => {
    await expect(runConfigFrom(await configFile([1, 2]), {})).rejects.toThrow(/must hold a JSON object/);
  });
});

describe('data set file flags', () => {
  test('--encoding, --skip-problem-rows and --stratify land in dataset; none of them is set by default', async () => {
    const c = await runConfigFrom(undefined, { dataset: 'data.csv', encoding: 'windows-1252', 'skip-problem-rows': true, stratify: true });
    expect(c.dataset).toMatchObject({ source: 'data.csv', encoding: 'windows-1252', skipProblemRows: true, stratify: true });
    const book = await runConfigFrom(undefined, {});
    expect(book.dataset).not.toHaveProperty('stratify');
    expect(book.dataset).not.toHaveProperty('encoding');
    await expect(runConfigFrom(undefined, { encoding: 'utf-16' })).rejects.toThrow(
      'train: --encoding must be one of utf-8, utf-8-bom, windows-1252, latin-1, got "utf-16"',
    );
  });
});
