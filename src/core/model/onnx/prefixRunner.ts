import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../block.js';
import type { InferenceChoice } from '../inference.js';
import { idsTensor } from '../ops.js';
import type { SequenceClassifier } from '../sequenceClassifier.js';
import { maskFeeds } from './dropoutFeeds.js';
import { Gpt2Session, loadOnnxRuntime, onnxThreads } from './session.js';
import { buildDroppedPrefixGraph } from './trainGraph.js';
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

/** The first k blocks with dropout (scope `all`): run at every step with its masks, no gradients through them. */
export interface DroppedPrefixRunner {
  run(ids: number[][], ctx: ForwardContext): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** The frozen prefix with dropout on ONNX Runtime (trainGraph.ts buildDroppedPrefixGraph), its frozen weights built in. */
export async function droppedPrefixRunner(model: SequenceClassifier, k: number, dropout: number): Promise<DroppedPrefixRunner> {
  const ort = await loadOnnxRuntime();
  const { config } = model.gpt;
  const graph = buildDroppedPrefixGraph(config, await inferenceWeights(model, (name) => inPrefix(name, k)), 0, k, dropout);
  const session = await ort.InferenceSession.create(graph, { intraOpNumThreads: onnxThreads(), graphOptimizationLevel: 'all' });
  return {
    async run(ids, ctx) {
      const [B, T] = [ids.length, ids[0].length];
      const feeds = { ids: new ort.Tensor('int32', Int32Array.from(ids.flat()), [B, T]), ...maskFeeds(ort, session, ctx, B, T, config) };
      return (await session.run(feeds, ['hidden'])).hidden.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}
