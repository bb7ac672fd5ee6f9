import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from 'onnxruntime-node';
import type { ForwardContext } from '../block.js';
import type { InferenceChoice } from '../inference.js';
import { idsTensor } from '../ops.js';
import type { SequenceClassifier } from '../sequenceClassifier.js';
import { maskFeeds } from './dropoutFeeds.js';
import { Gpt2Session, loadOnnxRuntime, onnxThreads } from './session.js';
import { buildDroppedPrefixGraph } from './trainGraph.js';
import { inferenceWeights } from './weights.js';

/**
 * Hidden states after block k−1 for padded ids [B][T], flat [B·T·C]: from the ids through blocks [0, k), or (a runner
 * from a later block) from `hidden`, the states after block from−1 of the same rows. Running [0, d) then [d, k) gives
 * the numbers [0, k) gives, bit for bit (test/prefixStages.test.ts).
 */
export interface PrefixRunner {
  readonly inference: InferenceChoice;
  run(ids: number[][], hidden?: Float32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Only the embeddings (when the prefix starts at the ids) and blocks [from, k) go into the prefix graph. */
function inPrefix(name: string, k: number, from = 0): boolean {
  const block = /^h\.(\d+)\./.exec(name);
  if (block) return Number(block[1]) >= from && Number(block[1]) < k;
  return from === 0 && (name === 'wte.weight' || name === 'wpe.weight');
}

function hiddenInput(hidden: Float32Array | undefined, from: number): Float32Array {
  if (!hidden) throw new Error(`prefix: blocks from ${from} need the hidden states below them`);
  return hidden;
}

/** Blocks [from, k) of a classifier (from the ids when from is 0) on the chosen inference path. */
export async function prefixRunner(model: SequenceClassifier, k: number, inference: InferenceChoice, from = 0): Promise<PrefixRunner> {
  const C = model.gpt.config.nEmbd;
  if (inference === 'tfjs') {
    return {
      inference,
      async run(ids, below) {
        const out = tf.tidy(() => {
          if (from === 0) return model.prefix(idsTensor(ids), k);
          return model.gpt.runBlocks(tf.tensor3d(hiddenInput(below, from), [ids.length, ids[0].length, C]), from, k);
        });
        const data = (await out.data()) as Float32Array;
        out.dispose();
        return data;
      },
      dispose: async () => {},
    };
  }
  const session = await Gpt2Session.create(model.gpt.config, await inferenceWeights(model, (name) => inPrefix(name, k, from)), {
    from,
    to: k,
    input: from === 0 ? 'ids' : 'hidden',
    hidden: true,
  });
  return {
    inference,
    async run(ids, below) {
      const feeds: Record<string, Tensor> =
        from === 0 ? { ids: session.ids(ids) } : { hidden_in: session.float(hiddenInput(below, from), [ids.length, ids[0].length, C]) };
      return (await session.run(feeds, ['hidden'])).hidden.data;
    },
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
