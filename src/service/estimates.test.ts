import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../common/runConfig.js';
import { PRESETS } from '../core/model/config.js';
import { countParameters } from '../core/model/trainable.js';
import { runCost, type PrefixReuse, type RunCost, type SplitTokenStats } from '../core/train/runCost.js';
import { fitSpeeds, predictSeconds, PRIOR, type SpeedFit } from './estimates.js';

const data: SplitTokenStats = { count: { train: 1045, val: 149, test: 300 }, longest: 120, mean: 24 };
const cost = (config: Record<string, unknown>, reuse?: PrefixReuse) => {
  const parsed = RunConfigSchema.parse(config);
  const { trainable } = countParameters(PRESETS['gpt2-small'], 2, parsed.trainable);
  return runCost(parsed, PRESETS['gpt2-small'], data, trainable, 'onnx', reuse);
};

describe('fitting seconds to work', () => {
  const machine: SpeedFit = { overhead: 4, onnx: 1 / 10e9, tfjs: 1 / 2e9, update: 11e-9, mask: 100e-9 };
  const costs: RunCost[] = [
    { flops: 2e10, updates: 1e7, masks: 0, path: 'onnx' },
    { flops: 8e10, updates: 2e7, masks: 3e8, path: 'onnx' },
    { flops: 3e10, updates: 4e9, masks: 0, path: 'onnx' },
    { flops: 1e11, updates: 5e8, masks: 1e8, path: 'onnx' },
    { flops: 4e10, updates: 1e7, masks: 0, path: 'tfjs' },
    { flops: 1.5e11, updates: 3e9, masks: 2e8, path: 'tfjs' },
  ];
  const measured = (fit: SpeedFit) => costs.map((cost) => ({ cost, seconds: predictSeconds(fit, cost) }));

  it('learns a machine that differs from the prior in every term from six runs, to a few percent', () => {
    const fit = fitSpeeds(measured(machine))!;
    for (const cost of [
      ...costs,
      { flops: 5e10, updates: 1e9, masks: 2e8, path: 'onnx' as const },
      { flops: 7e10, updates: 2e8, masks: 0, path: 'tfjs' as const },
    ])
      expect(predictSeconds(fit, cost) / predictSeconds(machine, cost)).toBeGreaterThan(0.9);
    for (const cost of costs) expect(predictSeconds(fit, cost) / predictSeconds(machine, cost)).toBeLessThan(1.1);
  });

  it('with one run, predicts that run closely and keeps what it says nothing about near the prior', () => {
    const [one] = measured(machine);
    const fit = fitSpeeds([one])!;
    expect(predictSeconds(fit, one.cost) / one.seconds).toBeCloseTo(1, 1);
    // The run was on the ONNX path: tfjs's speed stays what the prior says, relative to the fitted terms' change.
    expect(fit.tfjs).toBeCloseTo(PRIOR.tfjs, 20);
  });

  it('is the prior where the runs are the prior’s own, and nothing without runs', () => {
    const fit = fitSpeeds(measured(PRIOR))!;
    for (const k of ['overhead', 'onnx', 'tfjs', 'update', 'mask'] as const) expect(fit[k] / PRIOR[k]).toBeCloseTo(1, 9);
    expect(fitSpeeds([])).toBeNull();
  });
});

describe('the work of a run', () => {
  it('grows with epochs, trained depth and padding, and counts frozen blocks once, and at every step only under dropout in scope all', () => {
    const book = cost({});
    expect(book.path).toBe('onnx');
    expect(cost({ epochs: 10 }).flops).toBeGreaterThan(book.flops);
    expect(cost({ trainable: { kind: 'last', blocks: 2 } }).flops).toBeGreaterThan(book.flops);
    expect(cost({ trainable: { kind: 'all' } }).flops).toBeGreaterThan(cost({ trainable: { kind: 'last', blocks: 2 } }).flops);
    expect(cost({ pooling: 'last-token' }).flops).toBeLessThan(book.flops);
    // Dropout in every block (the default scope): the prefix is still computed once and evaluation still runs the top
    // only, but each step runs the 11 frozen blocks forward — exactly that much more work.
    const dropout = cost({ dropout: 0.1 });
    const { epochs, batchSize } = RunConfigSchema.parse({});
    const [d, T] = [768, 120];
    const frozenForward = epochs * Math.floor(1045 / batchSize) * batchSize * T * 11 * (24 * d * d + 4 * T * d);
    expect(dropout.flops - book.flops).toBeCloseTo(frozenForward, -3);
    // LoRA trains every block on ONNX Runtime, without the frozen weights' gradients: less work than `all`, more than the book's.
    const lora = cost({ trainable: { kind: 'lora', rank: 8, alpha: 16 } });
    expect(lora.flops).toBeLessThan(cost({ trainable: { kind: 'all' } }).flops);
    expect(lora.flops).toBeGreaterThan(book.flops);
    // LoRA on the last block starts from the cached prefix as the book's run does; the frozen base weight's gradient is
    // the one pass per token of that block it saves — a block computed for the pooled position only: every token's
    // query/key/value projection, the rest for one row.
    const loraLast = cost({ trainable: { kind: 'lora', rank: 8, alpha: 16, blocks: 1 } });
    const pickedPass = 6 * d * d + (18 * d * d + 4 * T * d) / T;
    expect(book.flops - loraLast.flops).toBeCloseTo(epochs * Math.floor(1045 / batchSize) * batchSize * T * pickedPass, -3);
    expect(loraLast.flops).toBeLessThan(lora.flops / 3);
    // Masks: none without dropout; in every block under all, only in the trained one under trained.
    expect(book.masks).toBe(0);
    expect(cost({ dropout: 0.1, dropoutScope: 'trained' }).masks).toBeGreaterThan(0);
    expect(dropout.masks).toBeGreaterThan(10 * cost({ dropout: 0.1, dropoutScope: 'trained' }).masks);
    // Only in the trained blocks, the prefix stays cached: the work of the dropout-free run, and its masks.
    expect({ ...cost({ dropout: 0.1, dropoutScope: 'trained' }), masks: 0 }).toEqual(book);
  });

  it('leaves out the frozen prefix depths a run reads from the prefix store, and the dropped blocks a trail holds', () => {
    const [d, T, all] = [768, 120, 1045 + 149 + 300];
    const block = T * (24 * d * d + 4 * T * d);
    expect(cost({}).flops - cost({}, { prefixFrom: 11, trailDepth: 0 }).flops).toBeCloseTo(all * 11 * block, -3);
    expect(cost({}).flops - cost({}, { prefixFrom: 8, trailDepth: 0 }).flops).toBeCloseTo(all * 8 * block, -3);
    // A trail at depth 8: the steps run 3 of the 11 dropped frozen blocks, and draw none of the 8's masks nor the embeddings'.
    const dropout = { dropout: 0.1 };
    const steps = 5 * Math.floor(1045 / 8) * 8;
    const trailed = cost(dropout, { prefixFrom: 0, trailDepth: 8 });
    expect(cost(dropout).flops - trailed.flops).toBeCloseTo(steps * 8 * block, -3);
    expect(cost(dropout).masks - trailed.masks).toBe(steps * (T * d + 8 * (12 * T * T + 2 * T * d)));
    // Dropout only in the trained blocks has no trail to read.
    expect(cost({ ...dropout, dropoutScope: 'trained' }, { prefixFrom: 0, trailDepth: 8 })).toEqual(
      cost({ ...dropout, dropoutScope: 'trained' }),
    );
  });
});
