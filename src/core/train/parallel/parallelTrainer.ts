import * as tf from '@tensorflow/tfjs-core';
import { padBatch, type Example } from '../../data/examples.js';
import { backendName } from '../../model/backend.js';
import { EVAL } from '../../model/block.js';
import type { SequenceClassifier } from '../../model/sequenceClassifier.js';
import type { AdamW } from '../adamw.js';
import type { PrefixCache } from '../prefixCache.js';
import { applyStep, batchGradients } from '../step.js';
import { splitEvenly } from './shards.js';
import type { ThreadInit } from './protocol.js';
import { ThreadPool } from './threadPool.js';

/** What a training thread needs to hold a copy of `model`: its shape, trainable choice and every weight. */
export async function threadInit(model: SequenceClassifier): Promise<ThreadInit> {
  return {
    backend: backendName(),
    config: model.gpt.config,
    numClasses: model.numClasses,
    pooling: model.pooling,
    seed: 0, // the weights replace whatever a seed would initialise
    trainable: model.trainableSpec,
    weights: await model.hostTensors('all'),
    trained: [...model.namedParams()].filter(([, v]) => v.trainable).map(([name]) => name),
  };
}

/**
 * Data-parallel training steps: a batch is split into shards, this thread computes the first and
 * each training thread one more; the shards' mean-loss gradients, weighted by shard size, sum to the
 * whole batch's, and this thread applies the one AdamW step. The threads get the trained values
 * with every shard, so whatever changes the weights here (resume, the best epoch) reaches them.
 */
export class ParallelTrainer {
  private constructor(
    private readonly model: SequenceClassifier,
    private readonly vars: tf.Variable[],
    private readonly pool: ThreadPool,
  ) {}

  /** Starts threads - 1 training threads beside this one, each with a copy of the model. */
  static async start(model: SequenceClassifier, threads: number): Promise<ParallelTrainer> {
    return new ParallelTrainer(model, model.trainableVariables(), await ThreadPool.start(threads - 1, await threadInit(model)));
  }

  get threads(): number {
    return this.pool.size + 1;
  }

  /** One optimisation step on a batch padded to T (dropout-free: masks would depend on the split); returns the loss. */
  async step(optimizer: AdamW, batch: Example[], T: number, cache: PrefixCache | null, clipNorm: number | null): Promise<number> {
    const [own, ...others] = splitEvenly(batch, this.threads);
    const trainedValues = this.vars.map((v) => v.dataSync() as Float32Array);
    const C = this.model.gpt.config.nEmbd;
    const requests = others.map((shard) => ({
      batch: padBatch(shard, T),
      prefix: cache ? { data: cache.hostBatch(shard, T), shape: [shard.length, T, C] as [number, number, number], k: cache.k } : null,
      trainedValues,
    }));
    const pending = this.pool.gradients(requests);
    pending.catch(() => {}); // awaited below; this only keeps a failure during our own shard from going unhandled
    const mine = tf.tidy(() => {
      const prefix = cache ? { hidden: cache.batch(own, T), k: cache.k } : undefined;
      return batchGradients(this.model, this.vars, padBatch(own, T), EVAL, prefix);
    });
    try {
      const theirs = await pending;
      const weights = [own, ...others].map((shard) => shard.length / batch.length);
      return tf.tidy(() => {
        const grads = Object.fromEntries(
          this.vars.map((v, i) => [v.name, tf.addN([tf.mul(mine.grads[v.name], weights[0]), ...theirs.map((r, j) => tf.mul(tf.tensor(r.grads[i], v.shape), weights[j + 1]))])]),
        );
        applyStep(optimizer, grads, clipNorm);
        return theirs.reduce((sum, r, j) => sum + r.loss * weights[j + 1], mine.value.dataSync()[0] * weights[0]);
      });
    } finally {
      tf.dispose(mine);
    }
  }

  dispose(): Promise<void> {
    return this.pool.dispose();
  }
}
