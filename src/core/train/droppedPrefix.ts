import type { RunConfig } from '../../common/runConfig.js';
import type { Example, SplitExamples } from '../data/examples.js';
import type { ForwardContext } from '../model/block.js';
import { droppedBlocksRunner, type DroppedBlocksRunner } from '../model/onnx/prefixRunner.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { PrefixStoreUse } from './prefixStore.js';
import { epochBatches } from './schedule.js';
import { RunTrails, type TrailRead, type TrailRecord, type TrailWrite } from './trailStore.js';

/** What the loop tells the engine so that its dropped prefix can use the store's trails. */
export interface TrailContext {
  store: PrefixStoreUse;
  examples: SplitExamples;
  padLength: number;
  padding: 'trim' | 'full' | undefined;
  /** The loop's batch length T. */
  lengthOf(batch: Example[]): number;
  /** The step the run starts at: after a resume it writes no trail (a trail holds every step from the first). */
  firstStep: number;
}

type TrailConfig = Pick<RunConfig, 'dropout' | 'seed' | 'batchSize' | 'epochs' | 'pooling'>;

/** Rows (B·T) of every step the run plans. */
function plannedRows(config: TrailConfig, train: Example[], lengthOf: (batch: Example[]) => number): number[] {
  return Array.from({ length: config.epochs }, (_, epoch) => epochBatches(train, config.batchSize, config.seed, epoch))
    .flat()
    .map((batch) => batch.length * lengthOf(batch));
}

/**
 * The frozen blocks [0, k) with dropout (scope `all`) at every step, split at a depth d: blocks [0, d) from a trail an
 * earlier run left (computed here from the first step the trail cannot give), or run here and kept as a trail for
 * later runs when the store asks for one; then blocks [d, k) here. Without a trail d = k. The masks depend only on
 * the seed, the step and the sites, so the split changes no number.
 */
export class DroppedPrefix {
  private constructor(
    private readonly model: SequenceClassifier,
    private readonly dropout: number,
    private readonly depth: number,
    private lower: DroppedBlocksRunner | null,
    private readonly upper: DroppedBlocksRunner | null,
    private readonly reading: TrailRead | null,
    private readonly writing: TrailWrite | null,
  ) {}

  static async start(model: SequenceClassifier, k: number, config: TrailConfig, trail?: TrailContext): Promise<DroppedPrefix> {
    const trails = trail && (await runTrails(model, config, trail));
    const reading = (await trails?.deepest(k)) ?? null;
    const keep = trail?.store.keep.trail ?? null;
    const writes = !reading && trail?.firstStep === 0 && keep !== null && keep >= 1 && keep <= k;
    const writing = (writes && (await trails?.write(keep))) || null;
    const depth = reading?.depth ?? writing?.depth ?? k;
    let lower: DroppedBlocksRunner | null = null;
    try {
      lower = reading ? null : await droppedBlocksRunner(model, 0, depth, config.dropout);
      const upper = depth < k ? await droppedBlocksRunner(model, depth, k, config.dropout) : null;
      return new DroppedPrefix(model, config.dropout, depth, lower, upper, reading, writing);
    } catch (err) {
      await lower?.dispose();
      await reading?.close();
      await writing?.abort();
      throw err;
    }
  }

  /** Hidden states after the k frozen blocks for step `step`'s padded ids [B][T], flat [B·T·C]. */
  async run(step: number, ids: number[][], ctx: ForwardContext): Promise<Float32Array> {
    const below = (await this.reading?.step(step)) ?? (await (await this.lowerBlocks()).run({ ids }, ctx));
    await this.writing?.append(step, below);
    return this.upper ? this.upper.run({ hidden: below, B: ids.length, T: ids[0].length }, ctx) : below;
  }

  /** Blocks [0, d): made when first needed, as a run reading a trail needs them only past its end. */
  private async lowerBlocks(): Promise<DroppedBlocksRunner> {
    this.lower ??= await droppedBlocksRunner(this.model, 0, this.depth, this.dropout);
    return this.lower;
  }

  /** The training steps ended normally: the trail written is put in place; what the run's record says of the trail. */
  async finish(): Promise<TrailRecord | null> {
    return (await this.reading?.end()) ?? (await this.writing?.end()) ?? null;
  }

  /** Frees the sessions; a trail still being written (the run failed or was cancelled) is removed. */
  async dispose(): Promise<void> {
    await this.reading?.close();
    await this.writing?.abort();
    await this.lower?.dispose();
    await this.upper?.dispose();
  }
}

async function runTrails(model: SequenceClassifier, config: TrailConfig, trail: TrailContext): Promise<RunTrails> {
  const { train, val, test } = trail.examples;
  const settings = {
    seed: config.seed,
    batchSize: config.batchSize,
    dropout: config.dropout,
    padding: { pooling: config.pooling, padLength: trail.padLength, padding: trail.padding ?? 'trim' },
  };
  const rows = plannedRows(config, train, trail.lengthOf);
  return RunTrails.of(trail.store, model.gpt.config, [...train, ...val, ...test], settings, rows);
}
