import * as tf from '@tensorflow/tfjs-core';
import type { Pooling } from '../../common/modelSpec.js';
import type { DropoutSettings, RunConfig } from '../../common/runConfig.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { initInference, type InferenceChoice } from '../model/inference.js';
import { prefixRunner, type PrefixRunner } from '../model/onnx/prefixRunner.js';
import { runKeyParts, storeEntry, type PrefixKeyParts, type PrefixStoreUse } from './prefixStore.js';
import {
  batchLength,
  forwardBatchSize,
  lengthSortedBatches,
  padBatch,
  realLength,
  type Example,
  type SplitExamples,
} from '../data/examples.js';
import { frozenPrefixDrops } from './schedule.js';

/**
 * Frozen-prefix cache: without dropout the output of the first k (frozen) blocks never changes during training, so it is
 * computed once per example; evaluation (never dropping) runs only the blocks above it, and so do the training steps
 * unless dropout reaches the frozen blocks (stepsStartFromCache).
 * Rows are kept per example: the padded length for `last-position` pooling, the real length otherwise.
 */
export class PrefixCache {
  private readonly rows = new Map<Example, Float32Array>();
  readonly width: number;
  /** Where the rows came from: computed by this run, or read from the prefix store. */
  source: 'computed' | 'store' = 'computed';
  /** The depth the computation started from: 0 from the ids, else a shallower prefix read from the store. */
  from = 0;

  constructor(
    model: SequenceClassifier,
    readonly k: number,
    private readonly pooling: Pooling,
    private readonly padLength: number,
    /** The path that computed the rows. */
    readonly inference: InferenceChoice,
  ) {
    this.width = model.gpt.config.nEmbd;
  }

  /** Rows this example needs: the pooling decides whether padding positions matter. */
  rowLength(e: Example): number {
    return this.pooling === 'last-position' ? this.padLength : realLength(e);
  }

  get layout(): PrefixKeyParts['rows'] {
    return this.pooling === 'last-position' ? `padded to ${this.padLength}` : 'real lengths';
  }

  /** Takes rows read from the prefix store, one per example in `examples` order. */
  adopt(examples: Example[], rows: Float32Array[]): this {
    examples.forEach((e, i) => this.rows.set(e, rows[i]));
    this.source = 'store';
    return this;
  }

  /** The rows of `examples` in order (all cached), for the prefix store. */
  rowsOf(examples: Example[]): Float32Array[] {
    return examples.map((e) => this.rows.get(e)!);
  }

  /**
   * Computes the prefix for examples not cached yet with `runner`, shortest first so batches carry little padding;
   * a runner that starts at a later block takes its input from `below`, the prefix up to that block.
   */
  async fill(
    runner: PrefixRunner,
    examples: Example[],
    batchSize: number,
    onBatch?: (done: number, total: number) => void,
    signal?: AbortSignal,
    below?: PrefixCache,
  ): Promise<void> {
    const todo = examples.filter((e) => !this.rows.has(e));
    let done = 0;
    for (const batch of lengthSortedBatches(todo, batchSize)) {
      signal?.throwIfAborted();
      const padded = padBatch(batch, batchLength(batch, this.pooling, this.padLength));
      const T = padded.ids[0].length;
      const data = await runner.run(below ? { hidden: below.hostBatch(batch, T), B: batch.length, T } : { ids: padded.ids });
      batch.forEach((e, b) => {
        this.rows.set(e, data.slice(b * T * this.width, (b * T + this.rowLength(e)) * this.width));
      });
      done += batch.length;
      onBatch?.(done, todo.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Hidden states [B, T, C] for a batch padded to T; positions past a row's cached ones are zero. */
  batch(batch: Example[], T: number): tf.Tensor3D {
    return tf.tensor3d(this.hostBatch(batch, T), [batch.length, T, this.width]);
  }

  /** The same, flat, outside tfjs. */
  hostBatch(batch: Example[], T: number): Float32Array<ArrayBuffer> {
    const out = new Float32Array(batch.length * T * this.width);
    batch.forEach((e, b) => {
      const row = this.rows.get(e);
      if (!row) throw new Error('PrefixCache: example not cached');
      out.set(row, b * T * this.width);
    });
    return out;
  }

  get size(): number {
    return this.rows.size;
  }
}

/**
 * Whether a run caches its frozen prefix: some leading block is frozen and `enabled` is not false (the reference
 * mode). Dropout does not matter: evaluation never drops, so its prefix is the dropout-free one in any scope.
 */
export function cachesPrefix(k: number, enabled: boolean | undefined): boolean {
  return k > 0 && enabled !== false;
}

/**
 * Whether the training steps start from the cached prefix: not when dropout reaches the frozen blocks (scope `all`,
 * the book's model.train()), whose steps run them forward with their masks instead.
 */
export function stepsStartFromCache(config: DropoutSettings): boolean {
  return !frozenPrefixDrops(config);
}

/**
 * The cache for a run (null when cachesPrefix says none), the same in every dropout scope (so runs that differ only
 * in dropout share a store entry): read from the prefix store when `store` has its entry; else computed on the
 * inference path (initInference) for every example of every split — from the deepest shallower prefix the store
 * has, if any — and stored, with the shallower depths later runs will read (store.keep.depths) stored on the way.
 */
export async function fillPrefixCache(
  model: SequenceClassifier,
  config: DropoutSettings & Pick<RunConfig, 'pooling' | 'batchSize'>,
  data: { examples: SplitExamples; padLength: number },
  options: {
    enabled?: boolean;
    inference?: InferenceChoice;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number, k: number) => void;
    store?: PrefixStoreUse;
  },
): Promise<PrefixCache | null> {
  const k = model.frozenPrefix();
  if (!cachesPrefix(k, options.enabled)) return null;
  const inference = options.inference ?? (await initInference()).inference;
  const { train, val, test } = data.examples;
  const examples = [...train, ...val, ...test];
  const batchSize = forwardBatchSize(config.batchSize);
  const { store } = options;
  const cacheAt = (depth: number) => new PrefixCache(model, depth, config.pooling, data.padLength, inference);
  // Worked out once for every depth looked up or stored: hashing the examples is the same each time.
  const run = store && (await runKeyParts(store, model.gpt.config, examples));
  const entryOf = (cache: PrefixCache) => store && run && storeEntry(store, run, cache, examples, batchSize);

  let below: PrefixCache | null = null;
  for (let depth = k; store && depth > 0 && !below; depth--) {
    const cache = cacheAt(depth);
    const rows = await entryOf(cache)?.read();
    if (rows) below = cache.adopt(examples, rows);
  }
  if (below?.k === k) return below;
  const from = below?.k ?? 0;
  const stops = [...new Set(store?.keep.depths ?? [])].filter((d) => d > from && d < k).sort((a, b) => a - b);
  for (const depth of [...stops, k]) {
    const cache = cacheAt(depth);
    const runner = await prefixRunner(model, depth, inference, below?.k ?? 0);
    try {
      await cache.fill(
        runner,
        examples,
        batchSize,
        (done, total) => options.onProgress?.(done, total, depth),
        options.signal,
        below ?? undefined,
      );
    } finally {
      await runner.dispose();
    }
    await entryOf(cache)?.write(cache.rowsOf(examples));
    below = cache;
  }
  below!.from = from;
  return below;
}
