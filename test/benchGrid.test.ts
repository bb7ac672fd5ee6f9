import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../src/common/runConfig.js';
import { gridCells, gridFields, gridRuns, gridSummary, runGrid } from '../src/cli/bench/grid.js';
import type { BlockFigures } from '../src/cli/bench/measure.js';
import type { StepKinds } from '../src/cli/bench/stepKinds.js';
import { projectGrid } from '../src/core/train/recipeProjection.js';
import { bookSmsSplit } from './support/smsSplit.js';

/* `bench --grid`: its cells priced from given step figures (counted, not timed), and its six runs end to end through the service on the real SMS split. */

const split = bookSmsSplit();

describe('the grid trainable head / last-1 / last-2 × dropout 0 / 0.1', () => {
  // One unit per frozen block per batch; each step kind a distinct power of ten, so a sum says what it added.
  const curve = { short: 1, long: 1, cost: () => 1 };
  const blocks: BlockFigures = { frozenBlock: curve, trainStep: curve, evalForward: curve, evalSetupSeconds: 0, hostSecondsPerStep: null };
  const tops = [0, 1, 2].map((trained) => ({
    trained,
    step: 10 ** trained,
    stepDropout: 1000 * 10 ** trained,
    evalForward: 0,
    evalSetup: 0,
  }));
  const kinds: StepKinds = { tops, droppedBlock: 1e6, bookDropoutStep: 0, loraStep: 0, loraStepAllBlocks: 0 };

  it('prices a dropout cell’s step as the top’s step with masks plus the frozen blocks above its trail forward with masks, and the prefix above the depth it reads', () => {
    const cells = gridCells(RunConfigSchema.parse({}), blocks, kinds);
    expect(cells.map((c) => [c.config.trainable, c.config.dropout])).toEqual(
      gridRuns().vary!.trainable!.flatMap((t) =>
        [0, 0.1].map((d) => [expect.objectContaining({ kind: t === 'head' ? 'head' : 'last' }), d]),
      ),
    );
    const none = { prefixFrom: 0, trailDepth: 0 };
    expect(cells.map((c) => c.costs(none).trainStep(8, 120))).toEqual([1, 1000 + 12e6, 10, 10000 + 11e6, 100, 100000 + 10e6]);
    expect(cells.map((c) => c.costs(none).prefix(8, 120))).toEqual([12, 12, 11, 11, 10, 10]);
    // What a cell reads is not computed: the prefix below prefixFrom, the dropped blocks below the trail.
    const reused = { prefixFrom: 10, trailDepth: 10 };
    expect(cells.map((c) => c.costs(reused).trainStep(8, 120))).toEqual([1, 1000 + 2e6, 10, 10000 + 1e6, 100, 100000]);
    expect(cells.map((c) => c.costs(reused).prefix(8, 120))).toEqual([2, 2, 1, 1, 0, 0]);
    // In scope `trained` a dropout cell's step is its top's with masks: the frozen blocks come from the cache.
    const trained = gridCells(RunConfigSchema.parse({}), blocks, kinds, 'trained');
    expect(trained.map((c) => c.costs(none).trainStep(8, 120))).toEqual([1, 1000, 10, 10000, 100, 100000]);
    expect(trained.map((c) => c.config.dropoutScope)).toEqual(Array(6).fill('trained'));
    expect(cells.map((c) => c.config.dropoutScope)).toEqual(Array(6).fill(undefined));
    // In the queue's order: head/0 computes the 12 blocks and keeps depths 10 and 11, head/0.1 keeps a trail at 10.
    const grid = projectGrid(cells, split.data());
    expect(grid.prefixComputations).toBe(1);
    const reads = [
      [0, 0],
      [12, 0],
      [11, 0],
      [11, 10],
      [10, 0],
      [10, 10],
    ].map(([prefixFrom, trailDepth]) => ({ prefixFrom, trailDepth }));
    const priced = cells.map((c, i) => projectGrid([{ ...c, costs: () => c.costs(reads[i]) }], split.data()).seconds);
    expect(grid.perRunSeconds).toEqual(priced);
  });

  it('reports the LoRA step on the last block (from the cache, as trainStepSeconds) and on all 12 blocks apart', () => {
    const projection = { seconds: 100, perRunSeconds: [1, 2, 3, 4, 5, 6], prefixComputations: 3 };
    const fields = gridFields({ kinds: { ...kinds, loraStep: 0.12345, loraStepAllBlocks: 4.0678 }, projection, scope: 'trained' }, null);
    expect(fields).toMatchObject({ trainStepSecondsLora: 0.123, trainStepSecondsLoraAllBlocks: 4.068 });
    expect(gridSummary(fields)[0]).toMatch(/LoRA step \(rank 8, last block from the cache\): 0\.123 s, all 12 blocks: 4\.068 s$/);
    expect(fields.grid).toMatchObject({ dropoutScope: 'trained', endToEnd: false });
    expect(gridSummary(fields)[1]).toMatch(/^grid of 6 \(projected, dropout in scope trained\): 100 s/);
    expect(gridFields(null, null)).toEqual({
      trainStepSecondsDropout: null,
      trainStepSecondsLora: null,
      trainStepSecondsLoraAllBlocks: null,
      grid: null,
    });
  });

  it('runs end to end through the queue: six runs, the frozen prefix computed by the first (keeping the depths the others read)', async () => {
    const tiny = { model: { preset: 'custom', custom: { nLayer: 3, nEmbd: 32, nHead: 4, nPositions: 128 }, weights: 'random' }, epochs: 1 };
    const notes: string[] = [];
    const result = await runGrid(split.cacheDir(), (text) => notes.push(text), 'all', tiny);
    expect(result.perRunSeconds).toHaveLength(6);
    for (const s of result.perRunSeconds) expect(s).toBeGreaterThan(0);
    expect(result.prefixSources).toEqual(['computed', 'store', 'store', 'store', 'store', 'store']);
    expect(result.prefixComputations).toBe(1);
    // head/0.1 keeps its dropped first block at every step as a trail; last-1/0.1 and last-2/0.1 read it.
    const [written, read] = [
      { depth: 1, source: 'written' },
      { depth: 1, source: 'read' },
    ];
    expect(result.trails).toEqual([null, written, null, read, null, read]);
    expect(result.seconds).toBeGreaterThanOrEqual(Math.max(...result.perRunSeconds));
    expect(notes.filter((n) => n.endsWith('finished'))).toHaveLength(6);
  }, 600_000);
});
