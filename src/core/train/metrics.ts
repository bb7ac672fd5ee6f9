import * as tf from '@tensorflow/tfjs-core';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { padBatch, type Example } from '../data/examples.js';
import { argMax } from '../arrays.js';
import type { PrefixCache } from './prefixCache.js';
import { idsTensor } from '../model/ops.js';

/** Loss, accuracy and confusion matrix (rows: true class, columns: predicted) over some examples. */
export interface SplitMetrics {
  count: number;
  loss: number;
  accuracy: number;
  confusion: number[][];
}

/** Logits [B, K] for a batch padded to T, from the prefix cache when there is one. */
export function batchLogits(model: SequenceClassifier, batch: Example[], T: number, cache: PrefixCache | null): tf.Tensor2D {
  return tf.tidy(() => {
    const padded = padBatch(batch, T);
    const hidden = cache ? cache.batch(batch, T) : model.prefix(idsTensor(padded.ids), 0);
    return model.logitsFrom(hidden, cache ? cache.k : 0, padded.lengths);
  });
}

/** Evaluates batches without dropout; the loss is the mean over examples. */
export async function evaluate(model: SequenceClassifier, batches: Example[][], lengthOf: (batch: Example[]) => number, cache: PrefixCache | null): Promise<SplitMetrics> {
  const K = model.numClasses;
  const confusion = Array.from({ length: K }, () => Array<number>(K).fill(0));
  let lossSum = 0;
  let count = 0;
  for (const batch of batches) {
    const logits = batchLogits(model, batch, lengthOf(batch), cache);
    const logProbs = tf.tidy(() => tf.logSoftmax(logits));
    const lp = (await logProbs.data()) as Float32Array;
    tf.dispose([logits, logProbs]);
    batch.forEach((e, b) => {
      const row = lp.subarray(b * K, (b + 1) * K);
      lossSum -= row[e.label];
      confusion[e.label][argMax(row)]++;
    });
    count += batch.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const correct = confusion.reduce((s, row, i) => s + row[i], 0);
  return { count, loss: count ? lossSum / count : NaN, accuracy: count ? correct / count : NaN, confusion };
}
