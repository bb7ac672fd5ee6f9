import * as tf from '@tensorflow/tfjs-core';
import { WorkbenchError } from '../errors.js';
import { EVAL, TransformerBlock, type ForwardContext } from './block.js';
import type { GPT2Config } from './config.js';
import { EMBEDDING_SITE } from './dropoutSites.js';
import { gpt2ParameterShapes } from './gpt2Checkpoint.js';
import { firstAdaptedBlock, initialLoraValue, LORA_LAYERS, loraParameterShapes, type LoraAdapter } from './lora.js';
import { dropout, embedding, layerNorm, matMul } from './ops.js';
import type { TensorMap } from './tensorMap.js';

let nextModelId = 0;

/**
 * GPT-2 as in nanoGPT's model.py: token + position embeddings, pre-LayerNorm blocks,
 * a final layer norm, and an LM head tied to the token embedding.
 * Parameters are tfjs Variables keyed by their Hugging Face names (Conv1D layout, W is [in, out]).
 */
export class GPT2 {
  readonly params = new Map<string, tf.Variable>();
  readonly blocks: TransformerBlock[];
  private readonly adapters = new Map<string, LoraAdapter>();
  // tfjs registers variables globally by name, so each model instance gets its own namespace.
  private readonly scope = `gpt2_${nextModelId++}`;

  private constructor(
    readonly config: GPT2Config,
    init: (name: string, shape: number[]) => tf.Tensor,
  ) {
    for (const [name, shape] of gpt2ParameterShapes(config)) {
      const value = init(name, shape);
      this.params.set(name, tf.variable(value, false, `${this.scope}/${name}`));
      value.dispose();
    }
    const lookup = (name: string) => this.param(name);
    const adapter = (layer: string) => this.adapters.get(layer);
    this.blocks = Array.from(
      { length: config.nLayer },
      (_, i) => new TransformerBlock(lookup, adapter, i, config.nHead, config.layerNormEpsilon),
    );
  }

  /** A model holding the given weights (already validated against the config by the loader). */
  static fromTensors(config: GPT2Config, tensors: TensorMap): GPT2 {
    return new GPT2(config, (name, shape) => {
      const t = tensors.get(name);
      if (!t) throw new WorkbenchError(`weights: missing tensor "${name}"`);
      return tf.tensor(t.data, shape, 'float32');
    });
  }

  /**
   * GPT-2's initialisation: N(0, 0.02) weights and embeddings, the residual projections scaled by
   * 1/√(2·nLayer), zero biases, unit layer-norm scales. Seeded, so the same seed gives the same model.
   */
  static random(config: GPT2Config, seed: number): GPT2 {
    let k = 0;
    const residualStd = 0.02 / Math.sqrt(2 * config.nLayer);
    return new GPT2(config, (name, shape) => {
      k++;
      if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) return tf.ones(shape);
      if (name.endsWith('.bias')) return tf.zeros(shape);
      const std = name.endsWith('c_proj.weight') ? residualStd : 0.02;
      return tf.randomNormal(shape, 0, std, 'float32', seed * 1000 + k);
    });
  }

  /**
   * Adds LoRA adapters to every linear layer of the last `blocks` blocks (absent: every block); their parameters
   * join `params`. Each adapter's seed is its place among every block's adapters, so block i's adapters start the
   * same whichever blocks have them.
   */
  addLoraAdapters(rank: number, alpha: number, seed: number, blocks?: number): void {
    if (this.hasLoraAdapters()) throw new Error('GPT2: LoRA adapters are already added');
    const first = firstAdaptedBlock(this.config.nLayer, blocks);
    let k = first * LORA_LAYERS.length * 2; // an A and a B per layer
    for (const [name, shape] of loraParameterShapes(this.config, rank, blocks)) {
      const value = initialLoraValue(name, shape, seed * 1000 + k++);
      this.params.set(name, tf.variable(value, true, `${this.scope}/${name}`));
      value.dispose();
    }
    for (let i = first; i < this.config.nLayer; i++) {
      for (const layer of LORA_LAYERS) {
        const name = `h.${i}.${layer}`;
        this.adapters.set(name, { A: this.param(`${name}.lora_A`), B: this.param(`${name}.lora_B`), alpha });
      }
    }
  }

  /** Whether LoRA adapters were added (addLoraAdapters). */
  hasLoraAdapters(): boolean {
    return this.adapters.size > 0;
  }

  param(name: string): tf.Variable {
    const p = this.params.get(name);
    if (!p) throw new Error(`GPT2: no parameter "${name}"`);
    return p;
  }

  /** Token + position embeddings: ids [B, T] → [B, T, C]. */
  embed(ids: tf.Tensor2D, ctx: ForwardContext = EVAL): tf.Tensor3D {
    const T = ids.shape[1];
    if (T > this.config.nPositions) throw new WorkbenchError(`input of ${T} tokens exceeds the context length ${this.config.nPositions}`);
    const tok = embedding(this.param('wte.weight') as tf.Tensor2D, ids);
    const pos = tf.slice(this.param('wpe.weight'), [0, 0], [T, this.config.nEmbd]);
    return dropout(tf.add(tok, pos), ctx.dropout, ctx.seed(EMBEDDING_SITE)) as tf.Tensor3D;
  }

  /** Runs blocks [from, to) on hidden states x [B, T, C]. */
  runBlocks(x: tf.Tensor3D, from: number, to: number, ctx: ForwardContext = EVAL): tf.Tensor3D {
    let h = x;
    for (let i = from; i < to; i++) h = this.blocks[i].apply(h, ctx);
    return h;
  }

  finalNorm(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.param('ln_f.weight'), this.param('ln_f.bias'), this.config.layerNormEpsilon);
  }

  /** The final-layer-norm hidden states for ids [B, T] → [B, T, C]. */
  forward(ids: tf.Tensor2D, ctx: ForwardContext = EVAL): tf.Tensor3D {
    return this.finalNorm(this.runBlocks(this.embed(ids, ctx), 0, this.config.nLayer, ctx)) as tf.Tensor3D;
  }

  /** Next-token logits from hidden states h [N, C] → [N, V], with the head tied to wte. */
  lmLogits(h: tf.Tensor2D): tf.Tensor2D {
    return matMul(h, tf.transpose(this.param('wte.weight'))) as tf.Tensor2D;
  }

  dispose(): void {
    for (const p of this.params.values()) p.dispose();
    this.params.clear();
    this.adapters.clear();
  }
}
