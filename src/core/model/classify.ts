import * as tf from '@tensorflow/tfjs-core';
import { encodeFixed } from '../data/tokenizer.js';
import type { SavedClassifier } from './classifierFile.js';
import { idsTensor } from '../train/step.js';

export interface Prediction {
  label: string;
  probabilities: Record<string, number>;
}

/**
 * Classifies texts with a saved classifier. Texts are truncated to the model's max length; only
 * `last-position` pooling needs the row padded to that length (the book's setting), the other
 * poolings read real tokens only, so a lone text runs at its own length.
 */
export function classify({ model, sidecar }: SavedClassifier, texts: string[]): Prediction[] {
  const maxLength = Math.min(sidecar.maxLength, model.gpt.config.nPositions);
  const encoded = texts.map((t) => encodeFixed(t, maxLength));
  const T = sidecar.pooling === 'last-position' ? maxLength : Math.max(1, ...encoded.map((e) => e.length));
  const padded = texts.map((t) => encodeFixed(t, maxLength, T));
  const probs = tf.tidy(() => tf.softmax(model.logits(idsTensor(padded.map((p) => p.ids)), padded.map((p) => p.length))).arraySync() as number[][]);
  return probs.map((row) => {
    const best = row.indexOf(Math.max(...row));
    return { label: sidecar.labels[best], probabilities: Object.fromEntries(sidecar.labels.map((l, i) => [l, row[i]])) };
  });
}
