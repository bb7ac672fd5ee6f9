import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../common/runConfig.js';
import { projectGrid, projectRecipe } from './recipeProjection.js';
import { bookSmsSplit } from '../../../test/support/smsSplit.js';

/* Counted, not timed: each cost returns the rows and tokens it was asked to price. */

const split = bookSmsSplit();

const tokens = (b: number, T: number) => b * T;
const batches = () => 1;

describe("the book's recipe, projected", () => {
  it('book mode: every one of the 1,494 examples through the prefix once at 120 tokens, 650 steps of 8 × 120', () => {
    const config = RunConfigSchema.parse({});
    expect(projectRecipe(config, split.data(), { prefix: tokens, trainStep: tokens, evalForward: batches, evalSetup: 0 })).toMatchObject({
      prefixSeconds: 1494 * 120,
      trainSeconds: 650 * 8 * 120,
      steps: 650,
    });
  });

  it('evaluation: 5 batches of train and val after steps 0, 50, …, 600 and at each of the 5 epoch ends, then the whole splits in batches of 16; one set-up each', () => {
    const config = RunConfigSchema.parse({});
    const p = projectRecipe(config, split.data(), { prefix: batches, trainStep: batches, evalForward: batches, evalSetup: 1000 });
    const final = Math.ceil(1045 / 16) + Math.ceil(149 / 16) + Math.ceil(300 / 16);
    expect(p.evalForwards).toBe((13 + 5) * 10 + final);
    expect(p.evalSeconds).toBe(p.evalForwards + (13 + 5 + 1) * 1000);
    expect(p.trainSeconds).toBe(650);
  });

  it('last-token mode prices each batch at its longest real text, so it costs fewer tokens than book mode', () => {
    const book = projectRecipe(RunConfigSchema.parse({}), split.data(), {
      prefix: tokens,
      trainStep: tokens,
      evalForward: tokens,
      evalSetup: 0,
    });
    const lastToken = projectRecipe(RunConfigSchema.parse({ pooling: 'last-token' }), split.data(), {
      prefix: tokens,
      trainStep: tokens,
      evalForward: tokens,
      evalSetup: 0,
    });
    const all = [...split.data().examples.train, ...split.data().examples.val, ...split.data().examples.test];
    expect(lastToken.prefixSeconds).toBeGreaterThanOrEqual(all.reduce((n, e) => n + e.ids.length, 0));
    expect(lastToken.seconds).toBeLessThan(book.seconds / 2);
    expect(lastToken.steps).toBe(650);
  });
});

describe('a grid, projected', () => {
  it('computes each distinct frozen prefix once: the later runs with its key read the store and skip its cost', () => {
    const config = RunConfigSchema.parse({});
    const costs = (k: number) => ({ prefix: (b: number, T: number) => k * b * T, trainStep: batches, evalForward: batches, evalSetup: 0 });
    const cell = (k: number, dropout: number) => ({ config: { ...config, dropout }, costs: costs(k), prefixKey: k > 0 ? `k${k}` : null });
    const cells = [cell(12, 0), cell(12, 0.1), cell(11, 0), cell(11, 0.1), cell(0, 0), cell(0, 0.1)];
    const grid = projectGrid(cells, split.data());
    const alone = cells.map((c) => projectRecipe(c.config, split.data(), c.costs));
    expect(grid.prefixComputations).toBe(2);
    expect(grid.perRunSeconds[0]).toBe(alone[0].seconds);
    expect(grid.perRunSeconds[1]).toBe(alone[1].seconds - 12 * 1494 * 120);
    expect(grid.perRunSeconds[2]).toBe(alone[2].seconds);
    expect(grid.perRunSeconds[3]).toBe(alone[3].seconds - 11 * 1494 * 120);
    expect(grid.perRunSeconds.slice(4)).toEqual([alone[4].seconds, alone[5].seconds]);
    expect(grid.seconds).toBe(grid.perRunSeconds.reduce((a, b) => a + b, 0));
  });
});
