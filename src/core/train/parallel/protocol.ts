import type { Pooling, Trainable } from '../../../common/modelSpec.js';
import type { GPT2Config } from '../../model/config.js';
import type { TensorMap } from '../../model/tensorMap.js';
import type { AdamWSettings } from '../adamw.js';
import type { Batch } from '../step.js';
import type { OptimizerState } from './optimizerState.js';
import type { Shard } from './shards.js';

/** What a training thread needs to build its replica of the model and optimizer (sent once, as workerData). */
export interface ThreadInit {
  backend: string;
  config: GPT2Config;
  numClasses: number;
  pooling: Pooling;
  seed: number;
  trainable: Trainable;
  /** Every parameter of the model, by name. */
  weights: TensorMap;
  /** The trained parameters' names, in the order of every per-parameter array. */
  trained: string[];
  optimizer: { settings: AdamWSettings; state: OptimizerState };
  /** Every thread's gradient slots (thread 0 is the parent), shared memory: slots[thread][parameter]. */
  slots: Float32Array[][];
  /** This thread's index into slots. */
  index: number;
}

/** Compute one shard's gradients into this thread's slots. */
export interface ShardRequest {
  type: 'shard';
  batch: Batch;
  prefix: Shard['prefix'];
}

/** Every slot holds its shard's gradients: apply their weighted average, as every other thread does. */
export interface ApplyRequest {
  type: 'apply';
  shardWeights: number[];
  clipNorm: number | null;
}

export type ThreadRequest = ShardRequest | ApplyRequest;

export type ThreadReply = { type: 'ready' } | { type: 'grads'; loss: number } | { type: 'applied' } | { type: 'error'; message: string };
