import type * as tf from '@tensorflow/tfjs-core';
import { backendName } from '../../model/backend.js';
import type { SequenceClassifier } from '../../model/sequenceClassifier.js';
import type { AdamW } from '../adamw.js';
import { optimizerState } from './optimizerState.js';
import type { ThreadInit } from './protocol.js';
import { averagedStep, gradientSlots, shardGradients } from './replicaStep.js';
import type { Shard } from './shards.js';
import { ThreadPool } from './threadPool.js';

/** What each of `threads` threads (this one included) needs to hold a replica of `model` and `optimizer`. */
export async function threadInit(model: SequenceClassifier, optimizer: AdamW, threads: number): Promise<Omit<ThreadInit, 'index'>> {
  const vars = model.trainableVariables();
  return {
    backend: backendName(),
    config: model.gpt.config,
    numClasses: model.numClasses,
    pooling: model.pooling,
    seed: 0, // the weights replace whatever a seed would initialise
    trainable: model.trainableSpec,
    weights: await model.hostTensors('all'),
    trained: [...model.namedParams()].filter(([, v]) => v.trainable).map(([name]) => name),
    optimizer: { settings: optimizer.settings, state: await optimizerState(optimizer, vars) },
    slots: gradientSlots(vars, threads),
  };
}

/**
 * Data-parallel training steps: a batch is split into shards, this thread computes the first and
 * each training thread one more, and then every thread applies the same averaged update to its own
 * replica (replicaStep.ts). The replicas start from the model's and optimizer's state at start():
 * whatever changes them before training (a resume) must come first.
 */
export class ParallelTrainer {
  private constructor(
    private readonly model: SequenceClassifier,
    private readonly vars: tf.Variable[],
    private readonly slots: Float32Array[][],
    private readonly pool: ThreadPool,
  ) {}

  /** Starts threads - 1 training threads beside this one, each with a replica of the model and optimizer. */
  static async start(model: SequenceClassifier, optimizer: AdamW, threads: number): Promise<ParallelTrainer> {
    const init = await threadInit(model, optimizer, threads);
    return new ParallelTrainer(model, model.trainableVariables(), init.slots, await ThreadPool.start(threads - 1, init));
  }

  get threads(): number {
    return this.pool.size + 1;
  }

  /** One optimisation step on a batch split into at most `threads` shards; returns the loss. */
  async step(optimizer: AdamW, shards: Shard[], clipNorm: number | null): Promise<number> {
    const [own, ...others] = shards;
    const pending = this.pool.gradients(others);
    pending.catch(() => {}); // awaited below; this only keeps a failure during our own shard from going unhandled
    const losses = [shardGradients(this.model, this.vars, own, this.slots[0]), ...(await pending)];
    const rows = shards.map((s) => s.batch.ids.length);
    const total = rows.reduce((a, b) => a + b);
    const shardWeights = rows.map((n) => n / total);
    const applied = this.pool.apply(shardWeights, clipNorm);
    applied.catch(() => {}); // awaited below, after our own update
    averagedStep(optimizer, this.vars, this.slots, shardWeights, clipNorm);
    // The slots are written again only once every thread has read them.
    await applied;
    return losses.reduce((sum, loss, i) => sum + loss * shardWeights[i], 0);
  }

  dispose(): Promise<void> {
    return this.pool.dispose();
  }
}
