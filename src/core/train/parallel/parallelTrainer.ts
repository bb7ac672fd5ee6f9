import * as tf from '@tensorflow/tfjs-core';
import { backendName } from '../../model/backend.js';
import { EVAL } from '../../model/block.js';
import type { SequenceClassifier } from '../../model/sequenceClassifier.js';
import type { AdamW } from '../adamw.js';
import { applyStep, batchGradients } from '../step.js';
import { prefixTensor } from './prefixTensor.js';
import type { Shard } from './shards.js';
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

  /** One optimisation step on a batch split into at most `threads` shards (dropout-free: masks would depend on the split); returns the loss. */
  async step(optimizer: AdamW, shards: Shard[], clipNorm: number | null): Promise<number> {
    const [own, ...others] = shards;
    const trainedValues = this.vars.map((v) => v.dataSync() as Float32Array);
    const pending = this.pool.gradients(others.map((s) => ({ ...s, trainedValues })));
    pending.catch(() => {}); // awaited below; this only keeps a failure during our own shard from going unhandled
    const mine = tf.tidy(() => batchGradients(this.model, this.vars, own.batch, EVAL, prefixTensor(own, this.model.gpt.config.nEmbd)));
    try {
      const theirs = await pending;
      const rows = shards.map((s) => s.batch.ids.length);
      const total = rows.reduce((a, b) => a + b);
      const [w0, ...w] = rows.map((n) => n / total);
      return tf.tidy(() => {
        const grads = Object.fromEntries(
          this.vars.map((v, i) => [
            v.name,
            tf.addN([tf.mul(mine.grads[v.name], w0), ...theirs.map((r, j) => tf.mul(tf.tensor(r.grads[i], v.shape), w[j]))]),
          ]),
        );
        applyStep(optimizer, grads, clipNorm);
        return theirs.reduce((sum, r, j) => sum + r.loss * w[j], mine.value.dataSync()[0] * w0);
      });
    } finally {
      tf.dispose(mine);
    }
  }

  dispose(): Promise<void> {
    return this.pool.dispose();
  }
}
