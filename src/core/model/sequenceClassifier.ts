import * as tf from '@tensorflow/tfjs-core';
import type { Pooling, Trainable } from '../../common/modelSpec.js';
import { WorkbenchError } from '../errors.js';
import { EVAL, type ForwardContext } from './block.js';
import type { GPT2 } from './gpt2.js';
import { dense } from './ops.js';
import { poolingWeightData } from './pooling.js';
import { sizeOf, type HostTensor, type TensorMap } from './tensorMap.js';
import { HEAD_BIAS, HEAD_WEIGHT, trainableNames } from './trainable.js';

let nextHeadId = 0;

/** Pooling weights [B, T] (see pooling.ts). */
export function poolingWeights(pooling: Pooling, lengths: number[], T: number): tf.Tensor2D {
  return tf.tensor2d(poolingWeightData(pooling, lengths, T), [lengths.length, T]);
}

/** Weighted sum over positions: h [B, T, C], weights [B, T] → [B, C]. */
function pool(h: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(h, tf.expandDims(weights, 2)), 1) as tf.Tensor2D;
}

/** GPT-2 with a new Linear(nEmbd, numClasses) head (with bias), as in the book's chapter 6. */
export class SequenceClassifier {
  readonly headWeight: tf.Variable;
  readonly headBias: tf.Variable;
  private trainable: Trainable = { kind: 'all' };

  /** headInit: the head's initial weight [C, K] and bias [K]; default PyTorch's Linear init, seeded. */
  constructor(
    readonly gpt: GPT2,
    readonly numClasses: number,
    readonly pooling: Pooling,
    private readonly seed: number,
    headInit?: { weight: HostTensor; bias: HostTensor },
  ) {
    const C = gpt.config.nEmbd;
    const bound = 1 / Math.sqrt(C);
    const id = nextHeadId++;
    const weight = headInit
      ? tf.tensor(headInit.weight.data, [C, numClasses])
      : tf.randomUniform([C, numClasses], -bound, bound, 'float32', seed);
    const bias = headInit
      ? tf.tensor(headInit.bias.data, [numClasses])
      : tf.randomUniform([numClasses], -bound, bound, 'float32', seed + 1);
    this.headWeight = tf.variable(weight, true, `head_${id}/${HEAD_WEIGHT}`);
    this.headBias = tf.variable(bias, true, `head_${id}/${HEAD_BIAS}`);
    // A variable keeps its own reference to the data; the initial tensors are not needed any more.
    tf.dispose([weight, bias]);
  }

  /** Every parameter by name: the GPT-2 ones plus the head. */
  namedParams(): Map<string, tf.Variable> {
    return new Map([...this.gpt.params, [HEAD_WEIGHT, this.headWeight], [HEAD_BIAS, this.headBias]]);
  }

  /** Freezes everything, then unfreezes the chosen parameters. Returns the trained variables. */
  setTrainable(spec: Trainable): tf.Variable[] {
    if (spec.kind === 'lora' && !this.gpt.hasLoraAdapters()) this.gpt.addLoraAdapters(spec.rank, spec.alpha, this.seed + 7, spec.blocks);
    const chosen = new Set(trainableNames(this.namedParams().keys(), this.gpt.config.nLayer, spec));
    this.trainable = spec;
    const params = this.namedParams();
    for (const [name, v] of params) v.trainable = chosen.has(name);
    return [...params].filter(([name]) => chosen.has(name)).map(([, v]) => v);
  }

  /** Current values of the trained parameters (or of all), copied out of tfjs, by parameter name. */
  async hostTensors(which: 'trained' | 'all' = 'trained'): Promise<TensorMap> {
    const out: TensorMap = new Map();
    for (const [name, v] of this.namedParams()) {
      if (which === 'all' || v.trainable) out.set(name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
    }
    return out;
  }

  /**
   * Puts saved values (a checkpoint, the best epoch, a saved classifier) into the parameters of the same
   * names. Every tensor must name a parameter of this model and have its shape, else nothing is assigned
   * and the error names `source`.
   */
  assignTensors(tensors: TensorMap, source: string): void {
    const params = this.namedParams();
    for (const [name, t] of tensors) {
      const v = params.get(name);
      if (!v) throw new WorkbenchError(`${source}: tensor ${JSON.stringify(name)} is not a parameter of this model`);
      if (v.shape.join(',') !== t.shape.join(',')) {
        throw new WorkbenchError(
          `${source}: tensor ${JSON.stringify(name)} has shape [${t.shape.join(', ')}], the model needs [${v.shape.join(', ')}]`,
        );
      }
    }
    for (const [name, t] of tensors) tf.tidy(() => params.get(name)!.assign(tf.tensor(t.data, t.shape)));
  }

  /** The variables training updates. */
  trainableVariables(): tf.Variable[] {
    return [...this.namedParams().values()].filter((v) => v.trainable);
  }

  get trainableSpec(): Trainable {
    return this.trainable;
  }

  /** Trainable and total parameter counts (the book's recipe: 7,090,946 of 124,441,346). */
  parameterCounts(): { trainable: number; total: number } {
    let trainable = 0;
    let total = 0;
    for (const v of this.namedParams().values()) {
      const n = sizeOf(v.shape);
      total += n;
      if (v.trainable) trainable += n;
    }
    return { trainable, total };
  }

  /**
   * How many leading blocks are fully frozen: their output never changes during training, so it
   * can be computed outside the gradient tape (and cached per example).
   */
  frozenPrefix(): number {
    const params = this.gpt.params;
    if (this.embeddingsTrainable()) return 0;
    for (let i = 0; i < this.gpt.config.nLayer; i++) {
      for (const [name, v] of params) if (name.startsWith(`h.${i}.`) && v.trainable) return i;
    }
    return this.gpt.config.nLayer;
  }

  embeddingsTrainable(): boolean {
    return this.gpt.param('wte.weight').trainable || this.gpt.param('wpe.weight').trainable;
  }

  /** Hidden states after the first k blocks: ids [B, T] → [B, T, C]. */
  prefix(ids: tf.Tensor2D, k: number, ctx: ForwardContext = EVAL): tf.Tensor3D {
    return this.gpt.runBlocks(this.gpt.embed(ids, ctx), 0, k, ctx);
  }

  /** Logits [B, K] from hidden states after block k. */
  logitsFrom(h: tf.Tensor3D, k: number, lengths: number[], ctx: ForwardContext = EVAL): tf.Tensor2D {
    const top = this.gpt.finalNorm(this.gpt.runBlocks(h, k, this.gpt.config.nLayer, ctx)) as tf.Tensor3D;
    const pooled = pool(top, poolingWeights(this.pooling, lengths, h.shape[1]));
    return dense(pooled, this.headWeight, this.headBias) as tf.Tensor2D;
  }

  /** Logits [B, K] for padded ids [B, T] with real lengths. */
  logits(ids: tf.Tensor2D, lengths: number[], ctx: ForwardContext = EVAL): tf.Tensor2D {
    return this.logitsFrom(this.prefix(ids, 0, ctx), 0, lengths, ctx);
  }

  dispose(): void {
    this.gpt.dispose();
    this.headWeight.dispose();
    this.headBias.dispose();
  }
}
