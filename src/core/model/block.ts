import * as tf from '@tensorflow/tfjs-core';
import { causalSelfAttention, type Linear } from './attention.js';
import { blockSite } from './dropoutSites.js';
import { loraDelta, type LoraAdapter } from './lora.js';
import { dense, dropout, gelu, layerNorm } from './ops.js';

/** Per-call settings: dropout is on only while training, with a seed per dropout site (dropoutSites.ts); null: that site keeps every unit. */
export interface ForwardContext {
  dropout: number;
  seed: (site: number) => number | null;
}

export const EVAL: ForwardContext = { dropout: 0, seed: () => null };

/** Looks up a parameter tensor by its Hugging Face name (without the `transformer.` prefix). */
export type ParamLookup = (name: string) => tf.Tensor;
/** The LoRA adapter of a linear layer ("h.3.mlp.c_fc"), if it has one. */
export type AdapterLookup = (layer: string) => LoraAdapter | undefined;

/** One pre-LayerNorm GPT-2 block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class TransformerBlock {
  constructor(
    private readonly p: ParamLookup,
    private readonly adapter: AdapterLookup,
    private readonly index: number,
    private readonly nHead: number,
    private readonly eps: number,
  ) {}

  private get prefix(): string {
    return `h.${this.index}.`;
  }

  private w(name: string): tf.Tensor {
    return this.p(this.prefix + name);
  }

  /** x·W + b, plus the LoRA update when the layer has an adapter. */
  private linear(layer: string): Linear {
    const weight = this.w(`${layer}.weight`);
    const bias = this.w(`${layer}.bias`);
    const adapter = this.adapter(this.prefix + layer);
    return (x) => (adapter ? tf.add(dense(x, weight, bias), loraDelta(x, adapter)) : dense(x, weight, bias));
  }

  private mlp(x: tf.Tensor): tf.Tensor {
    const hidden = gelu(this.linear('mlp.c_fc')(x)); // [B, T, 4C]
    return this.linear('mlp.c_proj')(hidden);
  }

  apply(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D {
    const attn = causalSelfAttention(
      layerNorm(x, this.w('ln_1.weight'), this.w('ln_1.bias'), this.eps) as tf.Tensor3D,
      this.linear('attn.c_attn'),
      this.linear('attn.c_proj'),
      this.nHead,
      ctx.dropout,
      ctx.seed(blockSite(this.index, 'attention')),
    );
    const h = tf.add(x, dropout(attn, ctx.dropout, ctx.seed(blockSite(this.index, 'projection'))));
    const m = this.mlp(layerNorm(h, this.w('ln_2.weight'), this.w('ln_2.bias'), this.eps));
    return tf.add(h, dropout(m, ctx.dropout, ctx.seed(blockSite(this.index, 'mlp')))) as tf.Tensor3D;
  }
}
