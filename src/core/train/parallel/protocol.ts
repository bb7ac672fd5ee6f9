import type { Pooling, Trainable } from '../../../common/modelSpec.js';
import type { GPT2Config } from '../../model/config.js';
import type { TensorMap } from '../../model/tensorMap.js';
import type { AdamWSettings } from '../adamw.js';
import type { OptimizerState } from './optimizerState.js';
import type { SharedBuffers } from './replica.js';
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
  shared: SharedBuffers;
  /** This thread's index (the parent is 0). */
  index: number;
}

/** The phases of a step (replica.ts), and the optimizer state of the parameters a thread updates. */
export type ThreadRequest =
  | { type: 'shard'; shard: Shard | null }
  | { type: 'norm'; shardWeights: number[] }
  | { type: 'update'; shardWeights: number[]; scale: number }
  | { type: 'state' };

export type ThreadReply =
  | { type: 'ready' }
  | { type: 'loss'; loss: number }
  | { type: 'norm'; squared: number[] }
  | { type: 'updated' }
  | { type: 'state'; state: OptimizerState }
  | { type: 'error'; message: string };
