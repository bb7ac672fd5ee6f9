import { rm, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Pooling } from '../../common/modelSpec.js';
import type { Example } from '../data/examples.js';
import { describeCause } from '../errorReasons.js';
import type { GPT2Config } from '../model/config.js';
import { MASK_GENERATOR_VERSION } from '../model/dropoutMask.js';
import {
  evict,
  formatBytes,
  littleEndian,
  prefixKey,
  PREFIX_ENGINE_VERSION,
  runKeyParts,
  type PrefixKeyParts,
  type PrefixStore,
  type PrefixStoreUse,
} from './prefixStore.js';
import { trailBytes, TrailReader, TrailWriter, type TrailHeader } from './prefixTrail.js';

/*
 * Trails in the prefix store: `<key>.trail` beside the prefix entries, under the same cap and eviction. A trail's key
 * is made of everything that decides the hidden states after its first d dropped blocks at each step: the run's
 * source, model and examples (as an entry's), the seed, batch size and padding (the batches), the dropout rate and
 * the mask generator (the masks). Not the epochs: a shorter run reads the first steps of a longer run's trail.
 */

export interface TrailKeyParts extends Pick<PrefixKeyParts, 'weights' | 'data' | 'model' | 'examples'> {
  kind: 'trail';
  depth: number;
  seed: number;
  batchSize: number;
  dropout: number;
  /** What decides each batch's length T (the loop's lengthOf). */
  padding: { pooling: Pooling; padLength: number; padding: 'trim' | 'full' };
  masks: number;
  /** The dropped prefix runs on ONNX Runtime's CPU kernels (prefixRunner.ts droppedBlocksRunner). */
  inference: 'onnx';
  engine: number;
}

/** What a run's trail settings are besides the store's key parts. */
export type TrailSettings = Pick<TrailKeyParts, 'seed' | 'batchSize' | 'dropout' | 'padding'>;

/** What a run's record says of its trail. */
export interface TrailRecord {
  depth: number;
  source: 'read' | 'written';
}

const trailFile = (store: PrefixStore, key: string) => path.join(store.dir, `${key}.trail`);
const short = (key: string) => key.slice(0, 12);

/** The trails of one run: its key at each depth, and the rows (B·T) of each of its planned steps. */
export class RunTrails {
  private constructor(
    private readonly store: PrefixStore,
    private readonly parts: Omit<TrailKeyParts, 'depth'>,
    private readonly width: number,
    private readonly rows: number[],
  ) {}

  static async of(
    use: PrefixStoreUse,
    model: GPT2Config,
    examples: Example[],
    settings: TrailSettings,
    rows: number[],
  ): Promise<RunTrails> {
    const parts = {
      ...(await runKeyParts(use, model, examples)),
      kind: 'trail' as const,
      ...settings,
      masks: MASK_GENERATOR_VERSION,
      inference: 'onnx' as const,
      engine: PREFIX_ENGINE_VERSION,
    };
    return new RunTrails(use.store, parts, model.nEmbd, rows);
  }

  private header(depth: number): TrailHeader {
    const parts: TrailKeyParts = { ...this.parts, depth };
    return { key: prefixKey(parts), parts, dtype: 'float32-le', width: this.width, rows: this.rows };
  }

  /**
   * The deepest trail of depth ≤ k in the store, open for reading; null when there is none. One that is not
   * usable is removed with one log line, and the next shallower one is looked for.
   */
  async deepest(k: number): Promise<TrailRead | null> {
    if (!littleEndian()) return null;
    for (let depth = k; depth >= 1; depth--) {
      const { key } = this.header(depth);
      const file = trailFile(this.store, key);
      try {
        const opening = await TrailReader.open(file, { key, width: this.width, rows: this.rows });
        if ('reader' in opening) {
          const now = new Date();
          await utimes(file, now, now).catch(() => undefined); // its last use, for eviction
          return new TrailRead(this.store, key, depth, opening.reader);
        }
        this.store.log(`prefix store: trail ${short(key)} was unusable (${opening.problem}); not read`);
        await rm(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.store.log(`prefix store: cannot read trail ${short(key)} (${describeCause(err)}); not read`);
        }
      }
    }
    return null;
  }

  /** A trail at `depth` to write step by step; null (with a log line) when it would not fit the cap or cannot be created. */
  async write(depth: number): Promise<TrailWrite | null> {
    if (!littleEndian()) return null;
    const header = this.header(depth);
    try {
      if (!(await this.store.makeRoom(`the trail at depth ${depth}`, trailBytes(header)))) return null;
      return new TrailWrite(this.store, header.key, depth, await TrailWriter.create(trailFile(this.store, header.key), header));
    } catch (err) {
      this.store.log(`prefix store: cannot store the trail (${describeCause(err)}); the run goes on without it`);
      return null;
    }
  }
}

/** A trail being read as the run goes: a step that fails its check ends the reading (the run computes the rest). */
export class TrailRead {
  private reader: TrailReader | null;
  private read = 0;

  constructor(
    private readonly store: PrefixStore,
    private readonly key: string,
    readonly depth: number,
    reader: TrailReader,
  ) {
    this.reader = reader;
  }

  /** The hidden states after `depth` blocks at step `step`; null when the run computes them (past the trail, or it broke). */
  async step(step: number): Promise<Float32Array<ArrayBuffer> | null> {
    if (!this.reader) return null;
    const found = await this.reader.read(step);
    if (found && 'rows' in found) {
      this.read++;
      return found.rows;
    }
    await this.close();
    if (found) {
      this.store.log(
        `prefix store: trail ${short(this.key)} was unusable (${found.problem}); computing the dropped prefix from step ${step + 1} on`,
      );
      await rm(trailFile(this.store, this.key), { force: true });
    }
    return null;
  }

  /** Closes the trail; what the run's record says of it (null when no step came from it). */
  async end(): Promise<TrailRecord | null> {
    await this.close();
    if (this.read === 0) return null;
    this.store.log(`prefix store: read the dropped prefix of ${this.read} steps at depth ${this.depth} from trail ${short(this.key)}`);
    return { depth: this.depth, source: 'read' };
  }

  async close(): Promise<void> {
    await this.reader?.close();
    this.reader = null;
  }
}

/** A trail being written as the run goes: a failure drops it with one log line, never the run. */
export class TrailWrite {
  private writer: TrailWriter | null;

  constructor(
    private readonly store: PrefixStore,
    private readonly key: string,
    readonly depth: number,
    writer: TrailWriter,
  ) {
    this.writer = writer;
  }

  /** Appends step `step`'s hidden states; the steps must come in order from the first. */
  async append(step: number, rows: Float32Array): Promise<void> {
    if (!this.writer) return;
    try {
      if (step !== this.writer.steps) throw new Error(`step ${step + 1} came after ${this.writer.steps} steps`);
      await this.writer.append(rows);
    } catch (err) {
      await this.drop(err);
    }
  }

  /** Puts the trail in place with the steps written (the loop ended normally); what the run's record says of it. */
  async end(): Promise<TrailRecord | null> {
    const writer = this.writer;
    if (!writer || writer.steps === 0) {
      await this.abort();
      return null;
    }
    this.writer = null;
    try {
      const bytes = await writer.finish();
      this.store.log(
        `prefix store: stored trail ${short(this.key)} of ${writer.steps} steps at depth ${this.depth} (${formatBytes(bytes)})`,
      );
      await evict(this.store.dir, this.store.capBytes);
      return { depth: this.depth, source: 'written' };
    } catch (err) {
      this.writer = writer;
      await this.drop(err);
      return null;
    }
  }

  /** Removes the unfinished trail (the run was cancelled or failed). */
  async abort(): Promise<void> {
    await this.writer?.abort();
    this.writer = null;
  }

  private async drop(err: unknown): Promise<void> {
    this.store.log(`prefix store: cannot store the trail (${describeCause(err)}); the run goes on without it`);
    await this.abort();
  }
}
