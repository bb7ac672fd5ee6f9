import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../common/runConfig.js';
import { PRESETS } from '../core/model/config.js';
import { countParameters } from '../core/model/trainable.js';
import { prefixIdentity, runCost, type RunCost, type SplitTokenStats } from '../core/train/runCost.js';
import { fitSpeeds, predictSeconds, PRIOR, type SpeedFit } from './estimates.js';

const data: SplitTokenStats = { count: { train: 1045, val: 149, test: 300 }, longest: 120, mean: 24 };
const cost = (config: Record<string, unknown>) => {
  const parsed = RunConfigSchema.parse(config);
  const { trainable } = countParameters(PRESETS['gpt2-small'], 2, parsed.trainable);
  return runCost(parsed, PRESETS['gpt2-small'], data, trainable, 'onnx');
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

  it('leaves out the frozen prefix a run reads from the prefix store, and knows which runs share one', () => {
    const parsed = RunConfigSchema.parse({});
    const shape = PRESETS['gpt2-small'];
    const { trainable } = countParameters(shape, 2, parsed.trainable);
    const stored = runCost(parsed, shape, data, trainable, 'onnx', 'stored');
    const [d, T] = [768, 120];
    expect(cost({}).flops - stored.flops).toBeCloseTo((1045 + 149 + 300) * T * 11 * (24 * d * d + 4 * T * d), -3);
    const identity = (config: Record<string, unknown>, hash = 'h1') => prefixIdentity(RunConfigSchema.parse(config), shape, hash);
    // Dropout, learning rate and epochs leave the prefix alone; the frozen depth, the data and the padding do not.
    expect(identity({ dropout: 0.1, learningRate: 1e-4, epochs: 2 })).toBe(identity({}));
    expect(identity({ trainable: { kind: 'lora', rank: 8, alpha: 16, blocks: 1 } })).toBe(identity({}));
    for (const other of [identity({ trainable: { kind: 'last', blocks: 2 } }), identity({}, 'h2'), identity({ pooling: 'mean' })])
      expect(other).not.toBe(identity({}));
    expect(identity({ trainable: { kind: 'all' } })).toBeNull();
  });
});
