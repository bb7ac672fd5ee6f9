import * as tf from '@tensorflow/tfjs-core';
import { causalSelfAttention } from './attention.js';
import { dense, dropout, gelu, layerNorm } from './ops.js';

/** Per-call settings: dropout is on only while training, with a fresh seed per dropout site. */
export interface ForwardContext {
  dropout: number;
  seed: () => number | null;
}

export const EVAL: ForwardContext = { dropout: 0, seed: () => null };

/** Looks up a parameter tensor by its Hugging Face name (without the `transformer.` prefix). */
export type ParamLookup = (name: string) => tf.Tensor;

/** One pre-LayerNorm GPT-2 block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class TransformerBlock {
  constructor(
    private readonly p: ParamLookup,
    private readonly prefix: string, // "h.3."
    private readonly nHead: number,
    private readonly eps: number,
  ) {}

  private w(name: string): tf.Tensor {
    return this.p(this.prefix + name);
  }

  private mlp(x: tf.Tensor): tf.Tensor {
    const hidden = gelu(dense(x, this.w('mlp.c_fc.weight'), this.w('mlp.c_fc.bias'))); // [B, T, 4C]
    return dense(hidden, this.w('mlp.c_proj.weight'), this.w('mlp.c_proj.bias'));
  }

  apply(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D {
    const attn = causalSelfAttention(
      layerNorm(x, this.w('ln_1.weight'), this.w('ln_1.bias'), this.eps) as tf.Tensor3D,
      {
        qkvWeight: this.w('attn.c_attn.weight'),
        qkvBias: this.w('attn.c_attn.bias'),
        projWeight: this.w('attn.c_proj.weight'),
        projBias: this.w('attn.c_proj.bias'),
      },
      this.nHead,
      ctx.dropout,
      ctx.seed,
    );
    const h = tf.add(x, dropout(attn, ctx.dropout, ctx.seed()));
    const m = this.mlp(layerNorm(h, this.w('ln_2.weight'), this.w('ln_2.bias'), this.eps));
    return tf.add(h, dropout(m, ctx.dropout, ctx.seed())) as tf.Tensor3D;
  }
}
