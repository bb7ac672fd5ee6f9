import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunGrid } from '../../common/api.js';
import { parseTrainable } from '../../common/modelSpec.js';
import type { DropoutScope, RunConfig } from '../../common/runConfig.js';
import type { PreparedData } from '../../core/train/run.js';
import type { PrefixReuse } from '../../core/train/runCost.js';
import { projectGrid, type GridCell, type GridProjection } from '../../core/train/recipeProjection.js';
import { createWorkbenchService } from '../../service/workbenchService.js';
import { BATCH, LONG, type BlockFigures } from './measure.js';
import type { ReferenceFigures } from './reference.js';
import { GRID_DROPOUT, stepKinds, type StepKinds } from './stepKinds.js';

/*
 * `bench --grid` (issue 18): the six runs trainable head / last-1 / last-2 × dropout 0 / 0.1 (scope `all`) in book mode
 * (padded to 120, last position, the SMS split) on GPT-2-small shapes with random weights — projected from measured
 * step costs with the prefix store counted, or with --full run end to end through the service's queue.
 */

export const GRID_TRAINABLE = ['head', 'last-1', 'last-2'] as const;
const GRID_DROPOUTS = [0, GRID_DROPOUT];
const GPT2_SMALL_BLOCKS = 12;

/**
 * The grid as the service takes it, in the order it runs (trainable, then dropout), its dropout in `scope`; `base`
 * adds to the book's recipe.
 */
export function gridRuns(scope: DropoutScope = 'all', base: Record<string, unknown> = {}): RunGrid {
  return {
    base: {
      dataset: { source: 'sms-spam-book' },
      model: { preset: 'gpt2-small', weights: 'random' },
      pooling: 'last-position',
      dropoutScope: scope,
      ...base,
    },
    vary: { trainable: [...GRID_TRAINABLE], dropout: GRID_DROPOUTS },
  };
}

export interface GridFigures {
  runs: number;
  seconds: number;
  perRunSeconds: number[];
  prefixComputations: number;
  /** Whether the seconds were measured end to end (--full) or projected from the step costs. */
  endToEnd: boolean;
  /** Where the dropout-0.1 cells drop: every block (`all`, the book) or the trained ones above the cached prefix. */
  dropoutScope: DropoutScope;
}

/** Seconds measured per batch of 8 × 120, scaled to b rows of T tokens (book mode prices every batch at 120 tokens). */
const perBatch = (seconds: number) => (b: number, T: number) => (seconds * b * T) / (BATCH * LONG);

/**
 * The six cells priced as runs (recipeProjection.ts) from the step kinds: the frozen blocks of the prefix above the
 * depth the store holds for the cell, the steps of the trained top — with dropout, plus in scope `all` the frozen
 * blocks above the trail the cell reads forward with masks at every step — and evaluation of the top above the cached prefix.
 */
export function gridCells(book: RunConfig, blocks: BlockFigures, kinds: StepKinds, scope: DropoutScope = 'all'): GridCell[] {
  return GRID_TRAINABLE.flatMap((name, trained) =>
    GRID_DROPOUTS.map((dropout) => {
      const top = kinds.tops[trained];
      const frozen = GPT2_SMALL_BLOCKS - trained;
      return {
        config: { ...book, trainable: parseTrainable(name), dropout, dropoutScope: scope === 'all' ? undefined : scope }, // all: unset, as the schema keeps it
        costs: (reuse: PrefixReuse) => {
          const everyStep = scope === 'all' ? (frozen - reuse.trailDepth) * kinds.droppedBlock : 0;
          return {
            prefix: (b: number, T: number) => (frozen - reuse.prefixFrom) * blocks.frozenBlock.cost(b, T),
            trainStep: perBatch(dropout > 0 ? top.stepDropout + everyStep : top.step),
            evalForward: perBatch(top.evalForward),
            evalSetup: top.evalSetup,
          };
        },
      };
    }),
  );
}

/** The grid projected from step kinds measured now; also returns them for the bench's step figures. */
export async function projectedGrid(
  book: { config: RunConfig; data: PreparedData },
  blocks: BlockFigures,
  scope: DropoutScope,
  repeats: number,
  note: (text: string) => void,
): Promise<{ kinds: StepKinds; projection: GridProjection; scope: DropoutScope }> {
  const kinds = await stepKinds(repeats, note);
  return { kinds, projection: projectGrid(gridCells(book.config, blocks, kinds, scope), book.data), scope };
}

/** The six runs end to end through the service's queue over a fresh data folder (its own prefix store); seconds as each run's record says. */
export async function runGrid(
  cacheDir: string | undefined,
  note: (text: string) => void,
  scope: DropoutScope = 'all',
  base: Record<string, unknown> = {},
) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'workbench-bench-grid-'));
  const service = await createWorkbenchService({ dataDir, cacheDir, autoStart: false });
  const off = service.onEvent((e) => {
    if (e.type === 'run-status') note(`grid: run ${e.runId} ${e.status}${e.error ? `: ${e.error}` : ''}`);
  });
  try {
    const created = await service.createRuns(gridRuns(scope, base));
    const started = performance.now();
    service.startQueue();
    await service.whenIdle();
    const seconds = (performance.now() - started) / 1000;
    const runs = await Promise.all(created.map((r) => service.getRun(r.id)));
    const failed = runs.find((r) => r.status !== 'finished');
    if (failed) throw new Error(`bench: grid run ${failed.name} ${failed.status}: ${failed.error}`);
    return {
      seconds,
      perRunSeconds: runs.map((r) => r.seconds!),
      prefixComputations: runs.filter((r) => r.prefixCache?.source === 'computed').length,
      prefixSources: runs.map((r) => r.prefixCache?.source ?? null),
      trails: runs.map((r) => r.prefixCache?.trail ?? null),
    } satisfies GridProjection & Record<string, unknown>;
  } finally {
    off();
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The bench JSON's grid fields (null without --grid): the seconds measured end to end when `run` is there, else projected. */
export function gridFields(
  grid: { kinds: StepKinds; projection: GridProjection; scope: DropoutScope } | null,
  run: Omit<GridProjection, 'runs'> | null,
): {
  trainStepSecondsDropout: number | null;
  trainStepSecondsLora: number | null;
  trainStepSecondsLoraAllBlocks: number | null;
  grid: GridFigures | null;
} {
  if (!grid) return { trainStepSecondsDropout: null, trainStepSecondsLora: null, trainStepSecondsLoraAllBlocks: null, grid: null };
  const { seconds, perRunSeconds, prefixComputations } = run ?? grid.projection;
  return {
    trainStepSecondsDropout: round(grid.kinds.bookDropoutStep, 3),
    trainStepSecondsLora: round(grid.kinds.loraStep, 3),
    trainStepSecondsLoraAllBlocks: round(grid.kinds.loraStepAllBlocks, 3),
    grid: {
      runs: perRunSeconds.length,
      seconds: round(seconds, 1),
      perRunSeconds: perRunSeconds.map((s) => round(s, 1)),
      prefixComputations,
      endToEnd: run !== null,
      dropoutScope: grid.scope,
    },
  };
}

/** The recipes' seconds, and with a grid each cell's and the whole grid's, as fractions of the reference recipe's. */
export function referenceRatios(grid: GridFigures | null, recipeSeconds: Record<'book' | 'lastToken', number>, ref: ReferenceFigures) {
  const of = (seconds: number, runs = 1) => round(seconds / (runs * ref.recipeSeconds), 3);
  return {
    book: of(recipeSeconds.book),
    lastToken: of(recipeSeconds.lastToken),
    gridCells: grid && grid.perRunSeconds.map((s) => of(s)),
    grid: grid && of(grid.seconds, grid.runs),
  };
}

/** The summary's lines for the grid, cells in gridRuns order. */
export function gridSummary(fields: ReturnType<typeof gridFields>): string[] {
  const { grid } = fields;
  if (!grid) return [];
  const names = GRID_TRAINABLE.flatMap((t) => GRID_DROPOUTS.map((d) => `${t}/${d}`));
  const cells = grid.perRunSeconds.map((s, i) => `${names[i]} ${s} s`).join(', ');
  return [
    `dropout step (book selection, dropout ${GRID_DROPOUT} in all 12 blocks): ${fields.trainStepSecondsDropout} s; LoRA step (rank 8, last block from the cache): ${fields.trainStepSecondsLora} s, all 12 blocks: ${fields.trainStepSecondsLoraAllBlocks} s`,
    `grid of ${grid.runs} (${grid.endToEnd ? 'run end to end' : 'projected'}, dropout in scope ${grid.dropoutScope}): ${grid.seconds} s, ${grid.prefixComputations} prefix computations: ${cells}`,
  ];
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
