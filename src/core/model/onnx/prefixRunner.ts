import * as tf from '@tensorflow/tfjs-core';
import type { InferenceChoice } from '../inference.js';
import { idsTensor } from '../ops.js';
import type { SequenceClassifier } from '../sequenceClassifier.js';
import { Gpt2Session } from './session.js';
import { inferenceWeights } from './weights.js';

/** Hidden states after the first k blocks for padded ids [B][T], flat [B·T·C]. */
export interface PrefixRunner {
  readonly inference: InferenceChoice;
  run(ids: number[][]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Only the embeddings and blocks [0, k) go into the prefix graph. */
function inPrefix(name: string, k: number): boolean {
  const block = /^h\.(\d+)\./.exec(name);
  return block ? Number(block[1]) < k : name === 'wte.weight' || name === 'wpe.weight';
}

/** The first k blocks of a classifier on the chosen inference path. */
export async function prefixRunner(model: SequenceClassifier, k: number, inference: InferenceChoice): Promise<PrefixRunner> {
  if (inference === 'tfjs') {
    return {
      inference,
      async run(ids) {
        const hidden = tf.tidy(() => model.prefix(idsTensor(ids), k));
        const data = (await hidden.data()) as Float32Array;
        hidden.dispose();
        return data;
      },
      dispose: async () => {},
    };
  }
  const session = await Gpt2Session.create(model.gpt.config, await inferenceWeights(model, (name) => inPrefix(name, k)), {
    from: 0,
    to: k,
    hidden: true,
  });
  return {
    inference,
    run: async (ids) => (await session.run({ ids: session.ids(ids) }, ['hidden'])).hidden.data,
    dispose: () => session.dispose(),
  };
}
