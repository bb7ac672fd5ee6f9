import * as tf from '@tensorflow/tfjs-core';
import { tokenize } from '../data/tokenizer.js';
import { batchLength, padBatch } from '../data/examples.js';
import { argMax } from '../arrays.js';
import { WorkbenchError } from '../errors.js';
import { idsTensor } from './ops.js';
import type { ClassifierSidecar, SavedClassifier } from './savedClassifier.js';
import type { GPT2Config } from './config.js';

export interface Prediction {
  label: string;
  probabilities: Record<string, number>;
}

/**
 * Texts as the classifier's input batch: truncated to the model's max length and padded as in
 * training: to that length for `last-position` pooling (the book), only to the longest text for the
 * other poolings, which read real tokens only.
 */
export function classifierBatch(sidecar: ClassifierSidecar, config: GPT2Config, texts: string[]): { ids: number[][]; lengths: number[] } {
  const maxLength = Math.min(sidecar.maxLength, config.nPositions);
  const examples = texts.map((t) => ({ ids: tokenize(t).slice(0, maxLength), label: 0 }));
  return padBatch(examples, batchLength(examples, sidecar.pooling, maxLength));
}

/** Class probabilities per text → labelled predictions; NaN means damaged weights. */
export function toPredictions(labels: string[], probs: number[][]): Prediction[] {
  return probs.map((row) => {
    const best = argMax(row);
    if (best < 0 || row.some((p) => !Number.isFinite(p))) {
      throw new WorkbenchError('the classifier answered NaN: its weights are damaged (retrain it, or load another)');
    }
    return { label: labels[best], probabilities: Object.fromEntries(labels.map((l, i) => [l, row[i]])) };
  });
}

/** Classifies texts with a saved classifier on the tfjs model. */
export function classify({ model, sidecar }: SavedClassifier, texts: string[]): Prediction[] {
  const batch = classifierBatch(sidecar, model.gpt.config, texts);
  const probs = tf.tidy(() => tf.softmax(model.logits(idsTensor(batch.ids), batch.lengths)).arraySync() as number[][]);
  return toPredictions(sidecar.labels, probs);
}
