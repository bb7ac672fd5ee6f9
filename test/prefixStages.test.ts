import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pooling } from '../src/common/modelSpec.js';
import { RunConfigSchema, type RunConfigInput } from '../src/common/runConfig.js';
import { initBackend } from '../src/core/model/backend.js';
import { GPT2 } from '../src/core/model/gpt2.js';
import type { InferenceChoice } from '../src/core/model/inference.js';
import { droppedBlocksRunner, prefixRunner } from '../src/core/model/onnx/prefixRunner.js';
import { PAD_TOKEN } from '../src/core/data/tokenizer.js';
import { dropoutContext } from '../src/core/train/schedule.js';
import { SequenceClassifier } from '../src/core/model/sequenceClassifier.js';
import { customConfig } from '../src/core/model/config.js';
import type { PrefixKeep } from '../src/core/train/prefixStore.js';
import { runTraining, type RunResult } from '../src/core/train/run.js';
import { sharedPath, SMS_SPAM_COLLECTION } from './support/shared.js';
import { tempDir } from './support/tempDir.js';

/*
 * A frozen prefix computed in stages — from a shallower depth read from the prefix store, or storing the shallower
 * depths later runs read on its way — is the prefix computed in one go, bit for bit (real ONNX Runtime and tfjs,
 * real files, a tiny random-weights GPT-2 on a slice of the real SMS data).
 */

const dir = tempDir('wb-prefix-stages-');
const slice = path.join(dir, 'sms-slice.tsv');

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  writeFileSync(slice, readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split('\n').slice(0, 400).join('\n'));
});

describe('blocks [0, d) then [d, k)', () => {
  it.each<InferenceChoice>(['onnx', 'tfjs'])('give what [0, k) gives, bit for bit, on %s', async (inference) => {
    const model = new SequenceClassifier(
      GPT2.random(customConfig({ nLayer: 4, nEmbd: 48, nHead: 4, nPositions: 64 }), 3),
      2,
      'last-position',
      3,
    );
    const ids = Array.from({ length: 3 }, (_, b) => Array.from({ length: 20 }, (_, t) => (b * 7919 + t * 131) % 50257));
    const whole = await prefixRunner(model, 4, inference);
    const [lower, upper] = [await prefixRunner(model, 1, inference), await prefixRunner(model, 4, inference, 1)];
    const expected = await whole.run({ ids });
    const staged = await upper.run({ hidden: await lower.run({ ids }), B: 3, T: 20 });
    expect(staged).toEqual(expected);
    await expect(upper.run({ ids })).rejects.toThrow(/blocks from 1 start from the hidden states below them/);
    await Promise.all([whole.dispose(), lower.dispose(), upper.dispose()]);
    model.dispose();
  });
});

function config(trainable: RunConfigInput['trainable'], pooling: Pooling): RunConfigInput {
  return {
    dataset: { source: slice, delimiter: '\t', header: false, textColumn: 1, labelColumn: 0 },
    model: { preset: 'custom', custom: { nLayer: 3, nEmbd: 32, nHead: 4, nPositions: 64 }, weights: 'random' },
    trainable,
    pooling,
    learningRate: 1e-3,
    epochs: 1,
    maxLength: 40,
    evalEvery: 10,
    evalBatches: 1,
  };
}

async function run(input: RunConfigInput, storeDir?: string, keep?: PrefixKeep) {
  const lines: string[] = [];
  const prefixStore = storeDir ? { dir: storeDir, capBytes: 2 ** 30, keep, log: (line: string) => lines.push(line) } : undefined;
  const result = await runTraining(RunConfigSchema.parse(input), { prefixStore });
  return { result, lines };
}

/** What a run's result is: final metrics (with every prediction) and its curves. */
const figures = (r: RunResult) => ({ final: r.outcome.final, history: r.outcome.history });
const entries = (storeDir: string) => readdirSync(storeDir).filter((n) => n.endsWith('.prefix')).length;

describe.each<Pooling>(['last-position', 'last-token'])('runs sharing prefix depths (%s pooling)', (pooling) => {
  const head = config({ kind: 'head' }, pooling); // 3 frozen blocks
  const lastOne = config({ kind: 'last', blocks: 1 }, pooling); // 2
  const lastTwo = config({ kind: 'last', blocks: 2 }, pooling); // 1

  it('a run keeping the depths later runs read stores them; those runs read them and end as they do with no store', async () => {
    const storeDir = path.join(dir, `keep-${pooling}`);
    const first = await run(head, storeDir, { depths: [2, 1, 3, 2], trail: null });
    expect(first.result.outcome.prefixCache).toMatchObject({ k: 3, source: 'computed' });
    expect(first.result.outcome.prefixCache).not.toHaveProperty('from');
    expect(entries(storeDir)).toBe(3); // depths 1, 2 and 3; the run's own depth in the list adds nothing
    expect(figures(first.result)).toEqual(figures((await run(head)).result));
    for (const [input, k] of [
      [lastOne, 2],
      [lastTwo, 1],
    ] as const) {
      const stored = await run(input, storeDir);
      expect(stored.result.outcome.prefixCache).toMatchObject({ k, source: 'store' });
      expect(figures(stored.result)).toEqual(figures((await run(input)).result));
    }
  });

  it('a deeper run computes only the blocks above the deepest shallower depth the store has', async () => {
    const storeDir = path.join(dir, `deeper-${pooling}`);
    await run(lastTwo, storeDir); // stores depth 1
    const deeper = await run(head, storeDir);
    expect(deeper.result.outcome.prefixCache).toMatchObject({ k: 3, source: 'computed', from: 1 });
    expect(deeper.lines.some((l) => l.startsWith('prefix store: read the frozen prefix'))).toBe(true);
    expect(figures(deeper.result)).toEqual(figures((await run(head)).result));
    const middle = await run(lastOne, storeDir, { depths: [1], trail: null }); // reads 1, stores 2; 1 is there already
    expect(middle.result.outcome.prefixCache).toMatchObject({ k: 2, source: 'computed', from: 1 });
    expect(entries(storeDir)).toBe(3);
  });
});

describe('a picked last block with dropout', () => {
  it.each<Pooling>(['last-position', 'last-token'])(
    'gives the row %s pooling reads of the whole block, zeros elsewhere',
    async (pooling) => {
      const config = customConfig({ nLayer: 3, nEmbd: 48, nHead: 4, nPositions: 64 });
      const model = new SequenceClassifier(GPT2.random(config, 5), 2, pooling, 5);
      const [B, T, C] = [3, 20, config.nEmbd];
      const lengths = [20, 7, 13];
      const ids = lengths.map((n, b) => Array.from({ length: T }, (_, t) => (t < n ? (b * 7919 + t * 131) % 50257 : PAD_TOKEN)));
      const ctx = dropoutContext({ dropout: 0.1, seed: 3 }, 3, 5);
      const [whole, picked] = [await droppedBlocksRunner(model, 0, 3, 0.1), await droppedBlocksRunner(model, 0, 3, 0.1, pooling)];
      const [all, rows] = [await whole.run({ ids }, ctx), await picked.run({ ids }, ctx, lengths)];
      const read = lengths.map((n) => (pooling === 'last-position' ? T - 1 : n - 1));
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const at = (b * T + t) * C;
          const row = rows.subarray(at, at + C);
          if (t === read[b]) expect(Math.max(...row.map((x, c) => Math.abs(x - all[at + c])))).toBeLessThan(1e-5);
          else expect(row.every((x) => x === 0)).toBe(true);
        }
      }
      await expect(picked.run({ ids }, ctx)).rejects.toThrow(/needs the rows' lengths/);
      await Promise.all([whole.dispose(), picked.dispose()]);
      model.dispose();
    },
  );
});
