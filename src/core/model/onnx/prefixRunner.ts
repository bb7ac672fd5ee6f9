import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from 'onnxruntime-node';
import type { ForwardContext } from '../block.js';
import type { InferenceChoice } from '../inference.js';
import { idsTensor } from '../ops.js';
import type { Pooling } from '../../../common/modelSpec.js';
import { poolingWeightData } from '../pooling.js';
import type { SequenceClassifier } from '../sequenceClassifier.js';
import { maskFeeds } from './dropoutFeeds.js';
import { Gpt2Session, loadOnnxRuntime, onnxThreads } from './session.js';
import { buildDroppedPrefixGraph } from './trainGraph.js';
import { inferenceWeights } from './weights.js';

/**
 * What a run of blocks [from, to) starts from: the padded ids [B][T] (from block 0), or the hidden states after block
 * from−1 of the same rows, flat [B·T·C]. Running [0, d) then [d, k) gives the numbers [0, k) gives, bit for bit
 * (test/prefixStages.test.ts).
 */
export type BlocksInput = { ids: number[][] } | { hidden: Float32Array; B: number; T: number };

/** The frozen prefix's blocks [from, k): hidden states after block k−1, flat [B·T·C]. */
export interface PrefixRunner {
  readonly inference: InferenceChoice;
  run(input: BlocksInput): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Only blocks [from, k), and the embeddings when they start from the ids, go into the graph. */
function inPrefix(name: string, k: number, from = 0): boolean {
  const block = /^h\.(\d+)\./.exec(name);
  if (block) return Number(block[1]) >= from && Number(block[1]) < k;
  return from === 0 && (name === 'wte.weight' || name === 'wpe.weight');
}

/** The input, when it is what blocks [from, …) start from; else an error saying what they need. */
function startOf(input: BlocksInput, from: number): BlocksInput {
  if ((from === 0) !== 'ids' in input)
    throw new Error(`prefix: blocks from ${from} start from ${from === 0 ? 'the ids' : 'the hidden states below them'}`);
  return input;
}

/** Blocks [from, k) of a classifier on the chosen inference path. */
export async function prefixRunner(model: SequenceClassifier, k: number, inference: InferenceChoice, from = 0): Promise<PrefixRunner> {
  const C = model.gpt.config.nEmbd;
  if (inference === 'tfjs') {
    return {
      inference,
      async run(input) {
        const start = startOf(input, from);
        const out = tf.tidy(() =>
          'ids' in start
            ? model.prefix(idsTensor(start.ids), k)
            : model.gpt.runBlocks(tf.tensor3d(start.hidden, [start.B, start.T, C]), from, k),
        );
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
    async run(input) {
      const start = startOf(input, from);
      const feeds: Record<string, Tensor> =
        'ids' in start ? { ids: session.ids(start.ids) } : { hidden_in: session.float(start.hidden, [start.B, start.T, C]) };
      return (await session.run(feeds, ['hidden'])).hidden.data;
    },
    dispose: () => session.dispose(),
  };
}

/** Frozen blocks with dropout (scope `all`): run at every step with their masks, no gradients through them. */
export interface DroppedBlocksRunner {
  /** Hidden states after the blocks, flat [B·T·C]; `lengths`, the rows' real lengths, say which position a picked last block computes. */
  run(input: BlocksInput, ctx: ForwardContext, lengths?: number[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * Blocks [from, to) of the frozen prefix with dropout on ONNX Runtime (trainGraph.ts buildDroppedPrefixGraph), their
 * weights built in. The masks are those of the blocks' own sites, so [0, d) then [d, k) gives [0, k)'s numbers.
 * `pick`: the classifier's pooling when block to−1 is the model's last and the pooling reads one position — the
 * block then computes that position only (the rest of `hidden` is zeros, which the classifier's pool never reads).
 */
export async function droppedBlocksRunner(
  model: SequenceClassifier,
  from: number,
  to: number,
  dropout: number,
  pick: Pooling | null = null,
): Promise<DroppedBlocksRunner> {
  const ort = await loadOnnxRuntime();
  const { config } = model.gpt;
  const weights = await inferenceWeights(model, (name) => inPrefix(name, to, from));
  const graph = buildDroppedPrefixGraph(config, weights, from, to, dropout, pick !== null);
  const session = await ort.InferenceSession.create(graph, { intraOpNumThreads: onnxThreads(), graphOptimizationLevel: 'all' });
  return {
    async run(input, ctx, lengths) {
      const start = startOf(input, from);
      const [B, T] = 'ids' in start ? [start.ids.length, start.ids[0].length] : [start.B, start.T];
      const first: Record<string, Tensor> =
        'ids' in start
          ? { ids: new ort.Tensor('int32', Int32Array.from(start.ids.flat()), [B, T]) }
          : { hidden_in: new ort.Tensor('float32', start.hidden, [B, T, config.nEmbd]) };
      if (pick) {
        if (!lengths) throw new Error("prefix: a picked last block needs the rows' lengths");
        first.pool = new ort.Tensor('float32', poolingWeightData(pick, lengths, T), [B, T]);
      }
      const feeds = { ...first, ...maskFeeds(ort, session, ctx, B, T, config) };
      return (await session.run(feeds, ['hidden'])).hidden.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}
