import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../common/runConfig.js';
import { PRESETS } from '../core/model/config.js';
import { countParameters } from '../core/model/trainable.js';
import { runCost, type RunCost, type SplitTokenStats } from '../core/train/runCost.js';
import { fitLine, fitPaths, fitSpeed, predictSeconds, TFJS_SLOWDOWN } from './estimates.js';

const onnx = (flops: number): RunCost => ({ flops, path: 'onnx' });
const data: SplitTokenStats = { count: { train: 1045, val: 149, test: 300 }, longest: 120, mean: 24 };
const cost = (config: Record<string, unknown>) => {
  const parsed = RunConfigSchema.parse(config);
  const { trainable } = countParameters(PRESETS['gpt2-small'], 2, parsed.trainable);
  return runCost(parsed, PRESETS['gpt2-small'], data, trainable);
};

describe('fitting seconds to work', () => {
  it('recovers overhead and speed from runs of different sizes', () => {
    const fit = fitLine([1e9, 4e9, 9e9].map((flops) => ({ cost: onnx(flops), seconds: 3 + flops * 2e-9 })))!;
    expect(fit.overhead).toBeCloseTo(3, 9);
    expect(fit.secondsPerFlop).toBeCloseTo(2e-9, 18);
    expect(predictSeconds({ onnx: fit, tfjs: null }, onnx(5e9))).toBeCloseTo(13, 9);
  });

  it('draws no line through one run, alike runs, or runs that would give a negative overhead', () => {
    expect(fitLine([{ cost: onnx(1e9), seconds: 10 }])).toBeNull();
    expect(
      fitLine([
        { cost: onnx(1e9), seconds: 10 },
        { cost: onnx(1e9), seconds: 12 },
      ]),
    ).toBeNull();
    // Bigger work took less time: no line through these makes sense.
    expect(
      fitLine([
        { cost: onnx(1e9), seconds: 10 },
        { cost: onnx(3e9), seconds: 2 },
      ]),
    ).toBeNull();
  });

  it('give a path with one run the overhead another path’s line found, and the rest of its time as work', () => {
    const fits = fitPaths([
      { cost: onnx(1e9), seconds: 5 },
      { cost: onnx(3e9), seconds: 9 },
      { cost: { flops: 2e9, path: 'tfjs' }, seconds: 43 },
    ]);
    expect(fits.onnx!.overhead).toBeCloseTo(3, 9);
    expect(fits.tfjs!.overhead).toBeCloseTo(3, 9);
    expect(fits.tfjs!.secondsPerFlop).toBeCloseTo(40 / 2e9, 18);
    // A run shorter than the overhead counts half its time as work, and lowers the overhead to that half.
    expect(fitSpeed([{ cost: onnx(1e9), seconds: 4 }], 3)).toEqual({ overhead: 2, secondsPerFlop: 2e-9 });
    expect(fitSpeed([], 3)).toBeNull();
  });

  it('lend a measured path’s speed to the other, tfjs about nine times slower', () => {
    const fits = fitPaths([{ cost: onnx(1e9), seconds: 10 }]);
    expect(fits.onnx).toEqual({ overhead: 0, secondsPerFlop: 1e-8 });
    expect(fits.tfjs!.secondsPerFlop).toBeCloseTo(1e-8 * TFJS_SLOWDOWN, 20);
    expect(predictSeconds(fits, { flops: 1e9, path: 'tfjs' })).toBeCloseTo(10 * TFJS_SLOWDOWN, 9);
    expect(fitPaths([]).onnx).toBeNull();
  });
});

describe('the work of a run', () => {
  it('grows with epochs, trained depth and padding, and counts frozen blocks once when they are cached', () => {
    const book = cost({});
    expect(book.path).toBe('onnx');
    expect(cost({ epochs: 10 }).flops).toBeGreaterThan(book.flops);
    expect(cost({ trainable: { kind: 'last', blocks: 2 } }).flops).toBeGreaterThan(book.flops);
    expect(cost({ trainable: { kind: 'all' } }).flops).toBeGreaterThan(cost({ trainable: { kind: 'last', blocks: 2 } }).flops);
    expect(cost({ pooling: 'last-token' }).flops).toBeLessThan(book.flops);
    // Dropout turns the cache off: the 11 frozen blocks run at every step, and on tfjs.
    const dropout = cost({ dropout: 0.1 });
    expect(dropout.path).toBe('tfjs');
    expect(dropout.flops).toBeGreaterThan(3 * book.flops);
    expect(cost({ trainable: { kind: 'lora', rank: 8, alpha: 16 } }).path).toBe('tfjs');
  });
});
