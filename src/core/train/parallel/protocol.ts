import type { Pooling, Trainable } from '../../../common/modelSpec.js';
import type { GPT2Config } from '../../model/config.js';
import type { TensorMap } from '../../model/tensorMap.js';
import type { Batch } from '../step.js';
import type { Shard } from './shards.js';

/** What a training thread needs to build its copy of the model (sent once, as workerData). */
export interface ThreadInit {
  backend: string;
  config: GPT2Config;
  numClasses: number;
  pooling: Pooling;
  seed: number;
  trainable: Trainable;
  /** Every parameter of the model, by name. */
  weights: TensorMap;
  /** The trained parameters' names, in the order of every message's arrays. */
  trained: string[];
}

/** One shard of a batch: its gradients at the given values of the trained parameters. */
export interface ShardRequest {
  type: 'shard';
  id: number;
  batch: Batch;
  prefix: Shard['prefix'];
  trainedValues: Float32Array[];
}

export type ThreadReply =
  { type: 'ready' } | { type: 'grads'; id: number; loss: number; grads: Float32Array<ArrayBuffer>[] } | { type: 'error'; message: string };
