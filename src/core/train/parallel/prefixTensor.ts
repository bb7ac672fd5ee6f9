import * as tf from '@tensorflow/tfjs-core';
import type { Shard } from './shards.js';

/** A shard's cached hidden states as the tensor batchGradients takes; none without the cache. */
export function prefixTensor(shard: Shard, width: number): { hidden: tf.Tensor3D; k: number } | undefined {
  if (!shard.prefix) return undefined;
  const { ids } = shard.batch;
  return { hidden: tf.tensor3d(shard.prefix.data, [ids.length, ids[0].length, width]), k: shard.prefix.k };
}
