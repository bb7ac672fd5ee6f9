import * as tf from '@tensorflow/tfjs-core';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { padBatch, type Example } from '../data/examples.js';
import { argMax } from '../arrays.js';
import type { PrefixCache } from './prefixCache.js';
import { idsTensor } from '../model/ops.js';
import type { PredictionRecorder, SplitPredictions } from './predictions.js';

/** Loss, accuracy and confusion matrix (rows: true class, columns: predicted) over some examples. */
export interface SplitMetrics {
  count: number;
  loss: number;
  accuracy: number;
  confusion: number[][];
  /** Per example, when the evaluation was asked to keep them (the final whole-split evaluation). */
  predictions?: SplitPredictions;
}

/** Logits [B, K] for a batch padded to T, from the prefix cache when there is one. */
export function batchLogits(model: SequenceClassifier, batch: Example[], T: number, cache: PrefixCache | null): tf.Tensor2D {
  return tf.tidy(() => {
    const padded = padBatch(batch, T);
    const hidden = cache ? cache.batch(batch, T) : model.prefix(idsTensor(padded.ids), 0);
    return model.logitsFrom(hidden, cache ? cache.k : 0, padded.lengths);
  });
}

/** Logits [B·K] of a batch padded to T, computed on ONNX Runtime (see runEvaluation.ts). */
export type OnnxLogits = (batch: Example[], T: number) => Promise<Float32Array>;

/** Log-softmax of each row of K, in double precision. */
function logSoftmaxRows(logits: Float32Array, K: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length; r += K) {
    const row = logits.subarray(r, r + K);
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    row.forEach((x, i) => (out[r + i] = x - logSum));
  }
  return out;
}

/** Log-probabilities [B·K] of a batch: on ONNX Runtime when given, else on the tfjs model. */
async function batchLogProbs(
  model: SequenceClassifier,
  batch: Example[],
  T: number,
  cache: PrefixCache | null,
  onnx: OnnxLogits | null,
): Promise<ArrayLike<number>> {
  if (onnx) return logSoftmaxRows(await onnx(batch, T), model.numClasses);
  const logits = batchLogits(model, batch, T, cache);
  const logProbs = tf.tidy(() => tf.logSoftmax(logits));
  const lp = (await logProbs.data()) as Float32Array;
  tf.dispose([logits, logProbs]);
  return lp;
}

/**
 * Evaluates batches without dropout; the loss is the mean over examples. `onnx` runs the forward on ONNX Runtime;
 * `recorder` keeps every example's prediction.
 */
export async function evaluate(
  model: SequenceClassifier,
  batches: Example[][],
  lengthOf: (batch: Example[]) => number,
  cache: PrefixCache | null,
  onnx: OnnxLogits | null = null,
  recorder: PredictionRecorder | null = null,
): Promise<SplitMetrics> {
  const K = model.numClasses;
  const confusion = Array.from({ length: K }, () => Array<number>(K).fill(0));
  let lossSum = 0;
  let count = 0;
  for (const batch of batches) {
    const lp = await batchLogProbs(model, batch, lengthOf(batch), cache, onnx);
    batch.forEach((e, b) => {
      const row = Array.from({ length: K }, (_, i) => lp[b * K + i]);
      lossSum -= row[e.label];
      const predicted = argMax(row);
      confusion[e.label][predicted]++;
      recorder?.add(e, predicted, row[predicted]);
    });
    count += batch.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const correct = confusion.reduce((s, row, i) => s + row[i], 0);
  const metrics = { count, loss: count ? lossSum / count : NaN, accuracy: count ? correct / count : NaN, confusion };
  return recorder ? { ...metrics, predictions: recorder.result() } : metrics;
}
