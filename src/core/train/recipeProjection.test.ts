import { describe, expect, it } from 'vitest';
import type { Trainable } from '../../common/modelSpec.js';
import { RunConfigSchema } from '../../common/runConfig.js';
import { NO_REUSE, type PrefixReuse } from './runCost.js';
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
  it('prices each run with what it reads from the prefix store as the queue shares it: depths and trails', () => {
    const config = RunConfigSchema.parse({});
    const got: PrefixReuse[] = [];
    const costs = (reuse: PrefixReuse) => {
      got.push(reuse);
      return { prefix: (b: number, T: number) => (12 - reuse.prefixFrom) * b * T, trainStep: batches, evalForward: batches, evalSetup: 0 };
    };
    const trainables: Trainable[] = [{ kind: 'head' }, { kind: 'last', blocks: 1 }, { kind: 'all' }];
    const cells = trainables.flatMap((trainable) => [0, 0.1].map((dropout) => ({ config: { ...config, trainable, dropout }, costs })));
    const grid = projectGrid(cells, split.data());
    expect(got).toEqual([
      { prefixFrom: 0, trailDepth: 0 }, // head/0 computes 12 blocks and keeps 11 for last-1
      { prefixFrom: 12, trailDepth: 0 }, // head/0.1 reads them, keeps a trail at 11 for last-1/0.1
      { prefixFrom: 11, trailDepth: 0 },
      { prefixFrom: 11, trailDepth: 11 },
      NO_REUSE, // nothing frozen
      NO_REUSE,
    ]);
    expect(grid.prefixComputations).toBe(1);
    expect(grid.perRunSeconds).toEqual(cells.map((c, i) => projectRecipe(c.config, split.data(), costs(got[i])).seconds));
    expect(grid.perRunSeconds[1]).toBe(grid.perRunSeconds[0] - 12 * 1494 * 120);
    expect(grid.seconds).toBe(grid.perRunSeconds.reduce((a, b) => a + b, 0));
  });
});
