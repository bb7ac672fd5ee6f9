import type { InferenceSession } from 'onnxruntime-node';
import { EVAL, type ForwardContext } from '../block.js';
import type { SequenceClassifier } from '../sequenceClassifier.js';
import { picksOne, poolingWeightData } from '../pooling.js';
import { maskFeeds } from './dropoutFeeds.js';
import { createSession } from './session.js';
import { buildTrainGraph } from './trainGraph.js';

type Runtime = typeof import('onnxruntime-node');

/** How the graph starts: from the frozen prefix's hidden states, or (nothing frozen) from the token ids. */
export type TrainInput = 'ids' | 'hidden';

/** Blocks from k up, the final norm and the head (and the embeddings from the ids): the weights the training graph takes. */
function inTop(name: string, k: number, input: TrainInput): boolean {
  const block = /^h\.(\d+)\./.exec(name);
  return block ? Number(block[1]) >= k : input === 'ids' || (!name.startsWith('wte.') && !name.startsWith('wpe.'));
}

/** The loss before the update and the gradient of every trained weight, by parameter name. */
export interface LossAndGrads {
  loss: number;
  grads: Map<string, Float32Array>;
}

/**
 * Forward and backward of a classifier's top (blocks [k, nLayer), final norm, head) on ONNX Runtime
 * (trainGraph.ts), from the frozen prefix's hidden states. Built once per run: the weights (LoRA
 * adapters included) are fed each step, so the optimizer may move them freely between calls.
 */
export class OnnxTrainStep {
  private constructor(
    private readonly ort: Runtime,
    private readonly session: InferenceSession,
    private readonly model: SequenceClassifier,
    private readonly k: number,
    private readonly input: TrainInput,
    /** The trained weights, whose gradients run returns. */
    readonly trained: string[],
  ) {}

  /** Every weight the graph takes (trained or not), by parameter name. */
  get weightNames(): string[] {
    return [...this.model.namedParams().keys()].filter((name) => inTop(name, this.k, this.input));
  }

  /** The top from block k; from the ids by default when nothing is frozen; with dropout at every site of the top when `dropout` > 0. */
  static async create(
    model: SequenceClassifier,
    k: number,
    input: TrainInput = k === 0 ? 'ids' : 'hidden',
    dropout = 0,
  ): Promise<OnnxTrainStep> {
    const shapes = new Map<string, number[]>();
    const trained: string[] = [];
    for (const [name, v] of model.namedParams()) {
      if (!inTop(name, k, input)) continue;
      shapes.set(name, v.shape.slice());
      if (v.trainable) trained.push(name);
    }
    const spec = model.trainableSpec;
    const loraAlpha = spec.kind === 'lora' ? spec.alpha : null;
    const graph = buildTrainGraph(model.gpt.config, shapes, new Set(trained), k, input, {
      dropout,
      loraAlpha,
      picksOne: picksOne(model.pooling),
    });
    const { ort, session } = await createSession(graph);
    return new OnnxTrainStep(ort, session, model, k, input, trained);
  }

  /**
   * Loss and gradients for a batch: the prefix's hidden states [B, T, C] (flat), or the padded ids [B][T]
   * when the graph starts from the ids; real lengths and labels; the step's dropout seeds when the graph drops.
   * The weights are `weights`' arrays where it has them (fed without a copy), else copied out of the model's variables;
   * the gradients are written into `gradsInto`'s arrays where it has them (and returned as those), else into new ones.
   */
  async run(
    start: Float32Array | number[][],
    T: number,
    lengths: number[],
    labels: number[],
    ctx: ForwardContext = EVAL,
    weights?: ReadonlyMap<string, Float32Array>,
    gradsInto?: ReadonlyMap<string, Float32Array>,
  ): Promise<LossAndGrads> {
    const { ort, model } = this;
    const B = lengths.length;
    const K = model.numClasses;
    const onehot = new Float32Array(B * K);
    labels.forEach((label, b) => (onehot[b * K + label] = 1));
    const feeds: Record<string, InstanceType<Runtime['Tensor']>> = {
      [this.input === 'ids' ? 'ids' : 'hidden_in']: Array.isArray(start)
        ? new ort.Tensor('int32', Int32Array.from(start.flat()), [B, T])
        : new ort.Tensor('float32', start, [B, T, model.gpt.config.nEmbd]),
      pool: new ort.Tensor('float32', poolingWeightData(model.pooling, lengths, T), [B, T]),
      onehot: new ort.Tensor('float32', onehot, [B, K]),
      ...maskFeeds(ort, this.session, ctx, B, T, model.gpt.config),
    };
    const params = model.namedParams();
    for (const [name, v] of params) {
      if (inTop(name, this.k, this.input))
        feeds[name] = new ort.Tensor('float32', weights?.get(name) ?? (v.dataSync() as Float32Array), v.shape);
    }
    // Pre-allocated outputs: ONNX Runtime writes those gradients straight into the given arrays.
    const fetches = Object.fromEntries([
      ['loss', null],
      ...this.trained.map((n) => {
        const into = gradsInto?.get(n);
        return [`grad:${n}`, into ? new ort.Tensor('float32', into, params.get(n)!.shape) : null];
      }),
    ]);
    const results = await this.session.run(feeds, fetches);
    const grads = new Map(this.trained.map((n) => [n, gradsInto?.get(n) ?? (results[`grad:${n}`].data as Float32Array)]));
    return { loss: (results.loss.data as Float32Array)[0], grads };
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}
