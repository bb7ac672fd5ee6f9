import * as tf from '@tensorflow/tfjs-core';
import { EVAL } from '../../model/block.js';
import type { SequenceClassifier } from '../../model/sequenceClassifier.js';
import type { AdamW } from '../adamw.js';
import { batchGradients } from '../step.js';
import { optimizerState, type OptimizerState } from './optimizerState.js';
import { prefixTensor } from './prefixTensor.js';
import type { Shard } from './shards.js';

/**
 * Memory every thread sees. Each trained parameter has one owner thread, which alone averages its
 * gradients, applies AdamW to it and holds its optimizer moments; the others copy its new value.
 */
export interface SharedBuffers {
  /** owner[parameter]: the thread that updates it. */
  owner: number[];
  /** grads[thread][parameter]: that thread's shard gradient of a parameter it does not own (empty for those it owns). */
  grads: Float32Array[][];
  /** values[parameter]: its value after the last update, written by its owner. */
  values: Float32Array[];
}

/** Parameters dealt to threads largest first, each to the least loaded, so the updates take about as long. */
export function owners(sizes: number[], threads: number): number[] {
  const load = Array<number>(threads).fill(0);
  const owner = Array<number>(sizes.length).fill(0);
  for (const i of sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a])) {
    owner[i] = load.indexOf(Math.min(...load));
    load[owner[i]] += sizes[i];
  }
  return owner;
}

const shared = (size: number) => new Float32Array(new SharedArrayBuffer(size * 4));

/** Buffers for `threads` threads training `vars`, holding their current values. */
export function sharedBuffers(vars: tf.Variable[], threads: number): SharedBuffers {
  const owner = owners(
    vars.map((v) => v.size),
    threads,
  );
  return {
    owner,
    grads: Array.from({ length: threads }, (_, t) => vars.map((v, i) => shared(owner[i] === t ? 0 : v.size))),
    values: vars.map((v) => {
      const value = shared(v.size);
      value.set(v.dataSync());
      return value;
    }),
  };
}

/**
 * One thread's part of data-parallel training, alike on every thread: a step is shard() everywhere,
 * squaredNorms() everywhere when clipping, update() everywhere, then pull() before the next use of the
 * weights. The caller orders the phases so that no buffer is written while another thread reads it.
 */
export class Replica {
  /** This thread's shard gradients of the parameters it owns, kept in tfjs until averaged. */
  private kept = new Map<number, tf.Tensor>();
  /** The owned parameters' averaged gradients, computed once a step (for clipping and for the update). */
  private average: Map<number, tf.Tensor> | null = null;

  constructor(
    private readonly model: SequenceClassifier,
    private readonly vars: tf.Variable[],
    private readonly optimizer: AdamW,
    private readonly buffers: SharedBuffers,
    private readonly index: number,
  ) {}

  private owns(i: number): boolean {
    return this.buffers.owner[i] === this.index;
  }

  /** A shard's mean loss (dropout-free: masks would depend on the split); its gradients kept or shared. */
  shard(shard: Shard): number {
    this.dispose();
    return tf.tidy(() => {
      const { value, grads } = batchGradients(this.model, this.vars, shard.batch, EVAL, prefixTensor(shard, this.model.gpt.config.nEmbd));
      this.vars.forEach((v, i) => {
        if (this.owns(i)) this.kept.set(i, tf.keep(grads[v.name]));
        else this.buffers.grads[this.index][i].set(grads[v.name].dataSync());
      });
      return value.dataSync()[0];
    });
  }

  /** The owned parameters' gradients averaged over the shards, weighted by size: the whole batch's. */
  private averaged(shardWeights: number[]): Map<number, tf.Tensor> {
    if (!this.average) {
      const of = (t: number, i: number) => (t === this.index ? this.kept.get(i)! : tf.tensor(this.buffers.grads[t][i], this.vars[i].shape));
      const owned = this.vars.map((_, i) => i).filter((i) => this.owns(i));
      this.average = new Map(owned.map((i) => [i, tf.tidy(() => tf.addN(shardWeights.map((w, t) => tf.mul(of(t, i), w))))]));
    }
    return this.average;
  }

  /** The squared L2 norms of the owned parameters' averaged gradients (0 for the others), for clipping by the global norm. */
  squaredNorms(shardWeights: number[]): number[] {
    const averaged = this.averaged(shardWeights);
    return this.vars.map((_, i) => {
      const g = averaged.get(i);
      return g ? tf.tidy(() => tf.sum(tf.mul(g, g)).dataSync()[0]) : 0;
    });
  }

  /** AdamW on the owned parameters with the averaged gradients times `scale`; their new values are shared. */
  update(shardWeights: number[], scale: number): void {
    const averaged = this.averaged(shardWeights);
    tf.tidy(() => {
      this.optimizer.applyGradients(
        [...averaged].map(([i, g]) => ({ name: this.vars[i].name, tensor: scale === 1 ? g : tf.mul(g, scale) })),
      );
    });
    this.dispose();
    this.vars.forEach((v, i) => this.owns(i) && this.buffers.values[i].set(v.dataSync()));
  }

  /** Takes the new values of the parameters other threads own. */
  pull(): void {
    this.vars.forEach((v, i) => this.owns(i) || tf.tidy(() => v.assign(tf.tensor(this.buffers.values[i], v.shape))));
  }

  /** The optimizer's state: moments only for the owned parameters on a training thread, which loads no others. */
  optimizerState(): Promise<OptimizerState> {
    return optimizerState(this.optimizer, this.vars);
  }

  /** Drops the kept and averaged gradients (a step that failed half-way leaves some). */
  dispose(): void {
    tf.dispose([...this.kept.values(), ...(this.average?.values() ?? [])]);
    this.kept.clear();
    this.average = null;
  }
}
