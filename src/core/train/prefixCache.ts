import * as tf from '@tensorflow/tfjs-core';
import type { Pooling } from '../../common/modelSpec.js';
import type { DropoutSettings, RunConfig } from '../../common/runConfig.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { initInference, type InferenceChoice } from '../model/inference.js';
import { prefixRunner, type PrefixRunner } from '../model/onnx/prefixRunner.js';
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
 * Frozen-prefix cache: the output of the first k (frozen, dropout-free: see frozenPrefixDrops) blocks never changes during
 * training, so it is computed once per example and training runs only the blocks above it.
 * Rows are kept per example: the padded length for `last-position` pooling, the real length otherwise.
 */
export class PrefixCache {
  private readonly rows = new Map<Example, Float32Array>();
  private readonly width: number;

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
  private rowLength(e: Example): number {
    return this.pooling === 'last-position' ? this.padLength : realLength(e);
  }

  /** Computes the prefix for examples not cached yet with `runner`, shortest first so batches carry little padding. */
  async fill(
    runner: PrefixRunner,
    examples: Example[],
    batchSize: number,
    onBatch?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const todo = examples.filter((e) => !this.rows.has(e));
    let done = 0;
    for (const batch of lengthSortedBatches(todo, batchSize)) {
      signal?.throwIfAborted();
      const padded = padBatch(batch, batchLength(batch, this.pooling, this.padLength));
      const data = await runner.run(padded.ids);
      const T = padded.ids[0].length;
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
 * The cache for a run, filled with every example of every split on the inference path (initInference);
 * null when no leading block is frozen, when dropout changes the frozen blocks' output (scope `all`), or when
 * `enabled` is false (the reference mode).
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
  },
): Promise<PrefixCache | null> {
  const k = model.frozenPrefix();
  if (k === 0 || frozenPrefixDrops(config) || options.enabled === false) return null;
  const runner = await prefixRunner(model, k, options.inference ?? (await initInference()).inference);
  const cache = new PrefixCache(model, k, config.pooling, data.padLength, runner.inference);
  const { train, val, test } = data.examples;
  const onBatch = (done: number, total: number) => options.onProgress?.(done, total, k);
  try {
    await cache.fill(runner, [...train, ...val, ...test], forwardBatchSize(config.batchSize), onBatch, options.signal);
  } finally {
    await runner.dispose();
  }
  return cache;
}
