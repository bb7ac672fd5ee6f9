import * as tf from '@tensorflow/tfjs-core';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { TensorMap } from '../model/tensorMap.js';

/*
 * With early stopping, a run's result is its best epoch by validation loss (as Keras'
 * restore_best_weights or Hugging Face's load_best_model_at_end): the trained weights of that
 * epoch are kept, and saved in the checkpoint beside the last epoch's so a resumed run keeps them too.
 */

export function restoreTrained(model: SequenceClassifier, weights: TensorMap): void {
  const params = model.namedParams();
  for (const [name, t] of weights) tf.tidy(() => params.get(name)!.assign(tf.tensor(t.data, t.shape)));
}
