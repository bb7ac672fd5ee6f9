import type { RunConfig } from '../../common/runConfig.js';
import { batchLength, forwardBatchSize, lengthSortedBatches, type Example, type SplitExamples } from '../data/examples.js';
import { finalBatches, fewBatches } from './runEvaluation.js';
import { prefixKeep, queuedRun, StoredDepths } from './prefixReuse.js';
import { frozenBlocks, NO_REUSE, type PrefixReuse } from './runCost.js';
import { epochBatches, stepsPerEpoch } from './schedule.js';

/** Measured seconds of one pass over a batch of b rows padded to T tokens. */
export type BatchCost = (b: number, T: number) => number;

export interface RecipeCosts {
  /** The frozen prefix on the inference path (filling the cache). */
  prefix: BatchCost;
  /** One training step of the trainable top from cached hidden states. */
  trainStep: BatchCost;
  /** One evaluation forward of the trainable top from cached hidden states. */
  evalForward: BatchCost;
  /** Seconds to set up each evaluation (on ONNX Runtime: building the top's graph from the current weights). */
  evalSetup: number;
}

export interface RecipeProjection {
  seconds: number;
  prefixSeconds: number;
  trainSeconds: number;
  evalSeconds: number;
  steps: number;
  evalForwards: number;
}

/**
 * What a whole run with the frozen-prefix cache would cost, from per-batch costs: the same batches
 * the loop builds (loop.ts, prefixCache.ts, runEvaluation.ts) — every example through the prefix once,
 * every training step, `evalBatches` batches of train and val after every `evalEvery` steps and at
 * each epoch end, and the final pass over the whole splits — each priced at its padded length.
 */
export function projectRecipe(
  config: RunConfig,
  data: { examples: SplitExamples; padLength: number },
  costs: RecipeCosts,
): RecipeProjection {
  const { examples, padLength } = data;
  const lengthOf = (batch: Example[]) => batchLength(batch, config.pooling, padLength);
  const sum = (batches: Example[][], cost: BatchCost) => batches.reduce((s, b) => s + cost(b.length, lengthOf(b)), 0);

  const all = [...examples.train, ...examples.val, ...examples.test];
  const prefixSeconds = sum(lengthSortedBatches(all, forwardBatchSize(config.batchSize)), costs.prefix);

  let trainSeconds = 0;
  let evalSeconds = 0;
  let evalForwards = 0;
  const few = fewBatches(examples, config);
  const evalPoint = () => {
    evalSeconds += costs.evalSetup + sum(few.train, costs.evalForward) + sum(few.val, costs.evalForward);
    evalForwards += few.train.length + few.val.length;
  };
  let step = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    for (const batch of epochBatches(examples.train, config.batchSize, config.seed, epoch)) {
      trainSeconds += costs.trainStep(batch.length, lengthOf(batch));
      if (step++ % config.evalEvery === 0) evalPoint();
    }
    evalPoint();
  }
  const final = Object.values(finalBatches(examples, config));
  evalSeconds += costs.evalSetup;
  for (const batches of final) evalSeconds += sum(batches, costs.evalForward);
  evalForwards += final.reduce((n, b) => n + b.length, 0);

  return {
    seconds: prefixSeconds + trainSeconds + evalSeconds,
    prefixSeconds,
    trainSeconds,
    evalSeconds,
    steps: stepsPerEpoch(examples.train, config.batchSize) * config.epochs,
    evalForwards,
  };
}

/** A run of a grid: its config, and its costs given what it reads from the prefix store. */
export interface GridCell {
  config: RunConfig;
  costs: (reuse: PrefixReuse) => RecipeCosts;
}

export interface GridProjection {
  seconds: number;
  perRunSeconds: number[];
  /** Runs that compute (some of) their frozen prefix; the others read all of theirs from the store. */
  prefixComputations: number;
}

/**
 * A grid of runs on one data set, run in order through the queue, sharing the prefix store as the queue has them
 * (prefixReuse.ts): each run reads the deepest prefix depth and dropped-prefix trail earlier runs kept for it — priced
 * at nothing, a file read beside minutes of forwards — and computes the blocks above them.
 */
export function projectGrid(cells: GridCell[], data: { examples: SplitExamples; padLength: number }): GridProjection {
  const runs = cells.map((c) => queuedRun(c.config, 'the grid’s data'));
  const stored = new StoredDepths();
  let prefixComputations = 0;
  const perRunSeconds = cells.map(({ config, costs }, i) => {
    const run = runs[i];
    const reuse = run ? stored.reuseOf(run) : NO_REUSE;
    if (run) {
      stored.add(
        run,
        prefixKeep(
          run,
          runs.slice(i + 1).filter((r) => r !== null),
        ),
      );
      if (frozenBlocks(config, run.shape) > reuse.prefixFrom) prefixComputations++;
    }
    return projectRecipe(config, data, costs(reuse)).seconds;
  });
  return { seconds: perRunSeconds.reduce((a, b) => a + b, 0), perRunSeconds, prefixComputations };
}
