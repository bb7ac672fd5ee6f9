import type { RunConfig } from '../../common/runConfig.js';
import type { Example, SplitExamples } from '../data/examples.js';
import type { ForwardContext } from '../model/block.js';
import { droppedBlocksRunner, type DroppedBlocksRunner } from '../model/onnx/prefixRunner.js';
import { picksOne } from '../model/pooling.js';
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
 * The frozen blocks [0, k) with dropout (scope `all`) at every step, in segments split where the store's trails are:
 * blocks [0, r) from the deepest trail an earlier run left (computed here from the first step the trail cannot give),
 * blocks [r, w) run here and kept as a trail at depth w when the store asks for a deeper one than it has, then the
 * blocks up to k. The masks depend only on the seed, the step and the sites, so the splits change no number.
 */
export class DroppedPrefix {
  private constructor(
    /** Makes the runner of blocks [from, to): the one ending at k picks the pooled position when it can. */
    private readonly blocks: (from: number, to: number) => Promise<DroppedBlocksRunner>,
    private readonly reading: TrailRead | null,
    private readonly writing: TrailWrite | null,
    /** Blocks [r, w) whose output is kept as a trail, when the run writes one. */
    private readonly middle: DroppedBlocksRunner | null,
    /** The blocks above the trails, up to k; none when the deepest trail is at k. */
    private readonly upper: DroppedBlocksRunner | null,
  ) {}

  static async start(model: SequenceClassifier, k: number, config: TrailConfig, trail?: TrailContext): Promise<DroppedPrefix> {
    const trails = trail && (await runTrails(model, config, trail));
    const reading = (await trails?.deepest(k)) ?? null;
    const read = reading?.depth ?? 0;
    const keep = trail?.store.keep.trail ?? null;
    const writes = trail?.firstStep === 0 && keep !== null && keep > read && keep <= k;
    const writing = (writes && (await trails?.write(keep))) || null;
    const top = writing?.depth ?? read;
    // With every block frozen (only the head trains) and a pooling that reads one position, the last block computes that one.
    const pick = k === model.gpt.config.nLayer && picksOne(model.pooling) ? model.pooling : null;
    const make = (from: number, to: number) => droppedBlocksRunner(model, from, to, config.dropout, to === k ? pick : null);
    const runners: DroppedBlocksRunner[] = [];
    const blocks = async (from: number, to: number) => {
      runners.push(await make(from, to));
      return runners[runners.length - 1];
    };
    try {
      const middle = writing ? await blocks(read, writing.depth) : null;
      const upper = top < k ? await blocks(top, k) : null;
      return new DroppedPrefix(make, reading, writing, middle, upper);
    } catch (err) {
      await Promise.all(runners.map((r) => r.dispose()));
      await reading?.close();
      await writing?.abort();
      throw err;
    }
  }

  /**
   * Hidden states after the k frozen blocks for step `step`'s padded ids [B][T], flat [B·T·C] (with a picked last
   * block: the position the pooling reads of each row, zeros elsewhere); `lengths` are the rows' real lengths.
   */
  async run(step: number, ids: number[][], lengths: number[], ctx: ForwardContext): Promise<Float32Array> {
    const input = (hidden: Float32Array | null) => (hidden ? { hidden, B: ids.length, T: ids[0].length } : { ids });
    let x = this.reading ? ((await this.reading.step(step)) ?? (await (await this.lowerBlocks()).run({ ids }, ctx, lengths))) : null;
    if (this.middle) {
      x = await this.middle.run(input(x), ctx, lengths);
      await this.writing!.append(step, x);
    }
    return this.upper ? this.upper.run(input(x), ctx, lengths) : x!;
  }

  private lower: DroppedBlocksRunner | null = null;

  /** Blocks [0, r) under the trail read: made when first needed, as a run reading a trail needs them only past its end. */
  private async lowerBlocks(): Promise<DroppedBlocksRunner> {
    this.lower ??= await this.blocks(0, this.reading!.depth);
    return this.lower;
  }

  /** The training steps ended normally: the trail written is put in place; what the run's record says of the trail (a read one first). */
  async finish(): Promise<TrailRecord | null> {
    const read = await this.reading?.end();
    const written = await this.writing?.end();
    return read ?? written ?? null;
  }

  /** Frees the sessions; a trail still being written (the run failed or was cancelled) is removed. */
  async dispose(): Promise<void> {
    await this.reading?.close();
    await this.writing?.abort();
    await this.lower?.dispose();
    await this.middle?.dispose();
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
