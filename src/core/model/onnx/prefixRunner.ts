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

/** The weights of blocks [from, to), and the embeddings when they start from the ids. */
function inBlocks(name: string, from: number, to: number): boolean {
  return inPrefix(name, to) && (from === 0 || !inPrefix(name, from));
}

/** What dropped blocks start from: the padded ids [B][T] (from block 0), or the hidden states [B·T·C] below them. */
export type DroppedInput = { ids: number[][] } | { hidden: Float32Array; B: number; T: number };

/** Frozen blocks with dropout (scope `all`): run at every step with their masks, no gradients through them. */
export interface DroppedBlocksRunner {
  /** Hidden states after the blocks, flat [B·T·C]. */
  run(input: DroppedInput, ctx: ForwardContext): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** The first k blocks with dropout, from the ids. */
export interface DroppedPrefixRunner {
  run(ids: number[][], ctx: ForwardContext): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** The whole frozen prefix [0, k) with dropout. */
export async function droppedPrefixRunner(model: SequenceClassifier, k: number, dropout: number): Promise<DroppedPrefixRunner> {
  const blocks = await droppedBlocksRunner(model, 0, k, dropout);
  return { run: (ids, ctx) => blocks.run({ ids }, ctx), dispose: () => blocks.dispose() };
}

/**
 * Blocks [from, to) of the frozen prefix with dropout on ONNX Runtime (trainGraph.ts buildDroppedPrefixGraph), their
 * weights built in. The masks are those of the blocks' own sites, so [0, d) then [d, k) gives [0, k)'s numbers.
 */
export async function droppedBlocksRunner(
  model: SequenceClassifier,
  from: number,
  to: number,
  dropout: number,
): Promise<DroppedBlocksRunner> {
  const ort = await loadOnnxRuntime();
  const { config } = model.gpt;
  const weights = await inferenceWeights(model, (name) => inBlocks(name, from, to));
  const graph = buildDroppedPrefixGraph(config, weights, from, to, dropout);
  const session = await ort.InferenceSession.create(graph, { intraOpNumThreads: onnxThreads(), graphOptimizationLevel: 'all' });
  return {
    async run(input, ctx) {
      const [B, T] = 'ids' in input ? [input.ids.length, input.ids[0].length] : [input.B, input.T];
      const start: Record<string, Tensor> =
        'ids' in input
          ? { ids: new ort.Tensor('int32', Int32Array.from(input.ids.flat()), [B, T]) }
          : { hidden_in: new ort.Tensor('float32', input.hidden, [B, T, config.nEmbd]) };
      const feeds = { ...start, ...maskFeeds(ort, session, ctx, B, T, config) };
      return (await session.run(feeds, ['hidden'])).hidden.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}
