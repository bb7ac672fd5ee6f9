import * as tf from '@tensorflow/tfjs-core';
import { tokenize } from '../data/tokenizer.js';
import { batchLength, padBatch } from '../data/examples.js';
import { argMax } from '../arrays.js';
import { WorkbenchError } from '../errors.js';
import { idsTensor } from './ops.js';
import type { SavedClassifier } from './savedClassifier.js';

export interface Prediction {
  label: string;
  probabilities: Record<string, number>;
}

/**
 * Classifies texts with a saved classifier. Texts are truncated to the model's max length and
 * padded as in training: to that length for `last-position` pooling (the book), only to the
 * longest text for the other poolings, which read real tokens only.
 */
export function classify({ model, sidecar }: SavedClassifier, texts: string[]): Prediction[] {
  const maxLength = Math.min(sidecar.maxLength, model.gpt.config.nPositions);
  const examples = texts.map((t) => ({ ids: tokenize(t).slice(0, maxLength), label: 0 }));
  const batch = padBatch(examples, batchLength(examples, sidecar.pooling, maxLength));
  const probs = tf.tidy(() => tf.softmax(model.logits(idsTensor(batch.ids), batch.lengths)).arraySync() as number[][]);
  return probs.map((row) => {
    const best = argMax(row);
    if (best < 0 || row.some((p) => !Number.isFinite(p))) {
      throw new WorkbenchError('the classifier answered NaN: its weights are damaged (retrain it, or load another)');
    }
    return { label: sidecar.labels[best], probabilities: Object.fromEntries(sidecar.labels.map((l, i) => [l, row[i]])) };
  });
}
