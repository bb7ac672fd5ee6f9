import * as tf from '@tensorflow/tfjs-core';
import { backendName } from '../../model/backend.js';
import type { SequenceClassifier } from '../../model/sequenceClassifier.js';
import type { AdamW } from '../adamw.js';
import { clipScale } from '../step.js';
import { loadOptimizerState, optimizerState } from './optimizerState.js';
import type { ThreadInit, ThreadReply, ThreadRequest } from './protocol.js';
import { Replica, sharedBuffers, type SharedBuffers } from './replica.js';
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
    shared: sharedBuffers(vars, threads),
  };
}

/**
 * Data-parallel training steps: a batch is split into shards, this thread computes the first and each
 * training thread one more; then each thread updates the parameters it owns and all copy the results
 * (replica.ts). The threads start from the model's and optimizer's state at start(): whatever changes
 * them before training (a resume) must come first.
 */
export class ParallelTrainer {
  private constructor(
    private readonly vars: tf.Variable[],
    private readonly optimizer: AdamW,
    private readonly buffers: SharedBuffers,
    private readonly replica: Replica,
    private readonly pool: ThreadPool,
  ) {}

  /** Starts threads - 1 training threads beside this one; `optimizer` becomes this thread's part of the training. */
  static async start(model: SequenceClassifier, optimizer: AdamW, threads: number): Promise<ParallelTrainer> {
    const init = await threadInit(model, optimizer, threads);
    const vars = model.trainableVariables();
    const replica = new Replica(model, vars, optimizer, init.shared, 0);
    return new ParallelTrainer(vars, optimizer, init.shared, replica, await ThreadPool.start(threads - 1, init));
  }

  get threads(): number {
    return this.pool.size + 1;
  }

  /** request(t) to every training thread t at once; their replies, which must be of `type`. */
  private async ask<T extends ThreadReply['type']>(
    type: T,
    request: (t: number) => ThreadRequest,
  ): Promise<Extract<ThreadReply, { type: T }>[]> {
    const replies = await this.pool.ask(Array.from({ length: this.pool.size }, (_, i) => request(i + 1)));
    return replies.map((r) => {
      if (r.type !== type) throw new Error(`a training thread replied ${r.type}, not ${type}`);
      return r as Extract<ThreadReply, { type: T }>;
    });
  }

  /** One optimisation step on a batch split into at most `threads` shards; returns the loss. */
  async step(shards: Shard[], clipNorm: number | null): Promise<number> {
    const rows = shards.map((s) => s.batch.ids.length);
    const total = rows.reduce((a, b) => a + b);
    const shardWeights = rows.map((n) => n / total);
    const theirs = this.ask('loss', (t) => ({ type: 'shard', shard: shards[t] ?? null }));
    theirs.catch(() => {}); // awaited below; this only keeps a failure during our own part from going unhandled
    const losses = [this.replica.shard(shards[0]), ...(await theirs).map((r) => r.loss)];
    const scale = clipNorm === null ? 1 : await this.clipScale(shardWeights, clipNorm);
    const updated = this.ask('updated', () => ({ type: 'update', shardWeights, scale }));
    updated.catch(() => {});
    this.replica.update(shardWeights, scale);
    await updated;
    this.replica.pull();
    return shardWeights.reduce((sum, w, i) => sum + losses[i] * w, 0);
  }

  /** clipScale (step.ts) of the averaged gradient, from each parameter's squared norm computed by its owner. */
  private async clipScale(shardWeights: number[], clipNorm: number): Promise<number> {
    const theirs = this.ask('norm', () => ({ type: 'norm', shardWeights }));
    theirs.catch(() => {});
    const all = [this.replica.squaredNorms(shardWeights), ...(await theirs).map((r) => r.squared)];
    const squared = this.buffers.owner.map((t, i) => all[t][i]);
    return tf.tidy(
      () =>
        clipScale(
          squared.map((s) => tf.scalar(s)),
          clipNorm,
        ).dataSync()[0],
    );
  }

  /** Puts the moments the other threads hold into this thread's optimizer, which checkpoints save. */
  async collectOptimizerState(): Promise<void> {
    const states = (await this.ask('state', () => ({ type: 'state' }))).map((r) => r.state);
    const moments = this.buffers.owner.map((t, i) => (t === 0 ? null : states[t - 1].moments[i]));
    await loadOptimizerState(this.optimizer, this.vars, { step: states[0].step, moments });
  }

  dispose(): Promise<void> {
    this.replica.dispose();
    return this.pool.dispose();
  }
}
