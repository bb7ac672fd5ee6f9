import { WorkbenchError } from '../../errors.js';
import type { GPT2Config } from '../config.js';
import type { TensorMap } from '../tensorMap.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../trainable.js';
import { floatTensor, GraphBuilder } from './graphBuilder.js';

/*
 * GPT-2 as an ONNX graph, written like the tfjs model (block.ts, attention.ts, ops.ts) so the two
 * can be read side by side: same operations in the same order, so they agree to float rounding.
 * Inputs and outputs have a run-time batch size B and length T.
 */

/** What the graph computes from which blocks. */
export interface GraphSpec {
  /** Blocks [from, to) run. */
  from: number;
  to: number;
  /** Token ids `ids` [B, T] (embedded first), or hidden states `hidden_in` [B, T, C]; default ids when from is 0. */
  input?: 'ids' | 'hidden';
  /** `hidden`: the output of block to−1 [B, T, C] (the frozen prefix). */
  hidden?: boolean;
  /** `normed`: the final-layer-norm hidden states [B, T, C]. */
  normed?: boolean;
  /** `logits` [B, K] of the classifier head, pooled with weights `pool` [B, T] (see pooling.ts). */
  logits?: boolean;
  /**
   * Logits only, and the pool weights pick one position per row (last-position and last-token
   * pooling): with at least one block, the last computes only that position's attention, MLP and
   * output after every position's keys and values — the only block whose other positions go unused.
   */
  pickOne?: boolean;
  /** `lm_last` [B, V]: next-token logits at the last position, head tied to wte. */
  lmLast?: boolean;
}

export class Gpt2Graph {
  readonly g = new GraphBuilder();
  protected readonly C: number;
  private readonly added = new Set<string>();

  constructor(
    readonly config: GPT2Config,
    private readonly weights: TensorMap,
  ) {
    this.C = config.nEmbd;
  }

  /** A named weight of the model as a graph initializer (added once); the training graph makes it an input instead. */
  w(name: string): string {
    const t = this.weights.get(name);
    if (!t) throw new WorkbenchError(`onnx: missing weight "${name}"`);
    if (!this.added.has(name)) {
      this.g.weight(name, t.shape, t.data);
      this.added.add(name);
    }
    return name;
  }

  /** T as a 1-element int64 vector, from the input's shape. */
  length(x: string): string {
    return this.g.op1('Slice', [this.g.op1('Shape', [x]), this.g.ints([1]), this.g.ints([2])]);
  }

  /** Additive causal mask [T, T]: 0 on and below the diagonal, −1e9 above (as attention.ts). */
  causalMask(T: string): string {
    const g = this.g;
    const full = g.op1('ConstantOfShape', [g.op1('Concat', [T, T], { axis: { int: 0 } })], {
      value: { tensor: floatTensor('', [1], Float32Array.of(-1e9)) },
    });
    return g.op1('Trilu', [full, g.ints([1], true)], { upper: { int: 1 } });
  }

  /** Token + position embeddings: ids [B, T] → [B, T, C]. */
  embed(ids: string): string {
    const g = this.g;
    const tok = g.op1('Gather', [this.w('wte.weight'), ids], { axis: { int: 0 } });
    const pos = g.op1('Slice', [this.w('wpe.weight'), g.ints([0]), this.length(ids), g.ints([0])]);
    return g.op1('Add', [tok, pos]);
  }

  layerNorm(x: string, prefix: string): string {
    return this.g.op1('LayerNormalization', [x, this.w(`${prefix}.weight`), this.w(`${prefix}.bias`)], {
      axis: { int: -1 },
      epsilon: { float: this.config.layerNormEpsilon },
    });
  }

  /** y = x·W + b on the last axis (Conv1D layout, W is [in, out]). */
  dense(x: string, layer: string): string {
    return this.g.op1('Add', [this.g.op1('MatMul', [x, this.w(`${layer}.weight`)]), this.w(`${layer}.bias`)]);
  }

  /** GELU, tanh approximation, the same expression as ops.ts. */
  gelu(x: string): string {
    const g = this.g;
    const cube = g.op1('Mul', [g.op1('Mul', [x, x]), x]);
    const inner = g.op1('Mul', [g.op1('Add', [x, g.op1('Mul', [cube, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
    return g.op1('Mul', [g.op1('Mul', [x, g.scalar(0.5)]), g.op1('Add', [g.op1('Tanh', [inner]), g.scalar(1)])]);
  }

  /**
   * Multi-head causal self-attention before its output projection: x [B, T, C] → [B, T, C]. ONNX
   * Runtime's Attention kernel does the query/key/value projection, the causal softmax and the
   * head split and merge in one step (as attention.ts does in several).
   */
  attention(x: string, prefix: string): string {
    const weights = [x, this.w(`${prefix}attn.c_attn.weight`), this.w(`${prefix}attn.c_attn.bias`)];
    return this.g.contrib('Attention', weights, { num_heads: { int: this.config.nHead }, unidirectional: { int: 1 } })[0];
  }

  /** x + skip + bias (none: null) and its layer norm in one kernel: returns [norm, sum]. */
  skipLayerNorm(x: string, skip: string, bias: string | null, norm: string): [string, string] {
    const [normed, , , sum] = this.g.contrib(
      'SkipLayerNormalization',
      [x, skip, this.w(`${norm}.weight`), this.w(`${norm}.bias`), ...(bias ? [this.w(bias)] : [])],
      { epsilon: { float: this.config.layerNormEpsilon } },
      4,
    );
    return [normed, sum];
  }

  /** c_fc, GELU (the tanh form, with c_fc's bias in the same kernel), c_proj. */
  mlp(x: string, prefix: string): string {
    const fc = this.g.op1('MatMul', [x, this.w(`${prefix}mlp.c_fc.weight`)]);
    return this.dense(this.g.contrib('FastGelu', [fc, this.w(`${prefix}mlp.c_fc.bias`)])[0], `${prefix}mlp.c_proj`);
  }

  /** One pre-LayerNorm block: h = x + attn(ln_1(x)), then h + mlp(ln_2(h)). */
  block(x: string, i: number): string {
    const prefix = `h.${i}.`;
    const attn = this.attention(this.layerNorm(x, `${prefix}ln_1`), prefix);
    const projected = this.g.op1('MatMul', [attn, this.w(`${prefix}attn.c_proj.weight`)]);
    const [normed, h] = this.skipLayerNorm(projected, x, `${prefix}attn.c_proj.bias`, `${prefix}ln_2`);
    return this.g.op1('Add', [h, this.mlp(normed, prefix)]);
  }

  /** Pool weights [B, T] over the positions of x [B, T, C] → [B, 1, C]; one-hot weights pick rows exactly (0·x adds nothing). */
  pool(x: string, pool: string): string {
    return this.g.op1('MatMul', [this.g.op1('Unsqueeze', [pool, this.g.ints([1])]), x]);
  }

  /**
   * Block i for the picked position only (see GraphSpec.pickOne): its query attends to every
   * position's key and value up to itself, as in attention.ts, then the usual residuals and MLP.
   * x [B, T, C] → [B, 1, C].
   */
  pickedBlock(x: string, i: number, pool: string): string {
    const g = this.g;
    const prefix = `h.${i}.`;
    const { nHead } = this.config;
    const D = this.C / nHead;
    const qkv = this.dense(this.layerNorm(x, `${prefix}ln_1`), `${prefix}attn.c_attn`);
    const [q, k, v] = g.op('Split', [qkv, g.ints([this.C, this.C, this.C])], { axis: { int: -1 } }, 3);
    const heads = (t: string, perm: number[]) =>
      g.op1('Transpose', [g.op1('Reshape', [t, g.ints([0, 0, nHead, D])])], { perm: { ints: perm } });
    const qh = g.op1('Mul', [heads(this.pool(q, pool), [0, 2, 1, 3]), g.scalar(1 / Math.sqrt(D))]); // [B, H, 1, D]
    const mask = g.op1('Unsqueeze', [this.pool(this.causalMask(this.length(x)), pool), g.ints([1])]); // [B, 1, 1, T]
    const scores = g.op1('Add', [g.op1('MatMul', [qh, heads(k, [0, 2, 3, 1])]), mask]); // [B, H, 1, T]
    const att = g.op1('Softmax', [scores], { axis: { int: -1 } });
    const y = g.op1('Reshape', [
      g.op1('Transpose', [g.op1('MatMul', [att, heads(v, [0, 2, 1, 3])])], { perm: { ints: [0, 2, 1, 3] } }),
      g.ints([0, 0, this.C]),
    ]);
    const h = g.op1('Add', [this.pool(x, pool), this.dense(y, `${prefix}attn.c_proj`)]);
    return g.op1('Add', [h, this.mlp(this.layerNorm(h, `${prefix}ln_2`), prefix)]);
  }

  /** Classifier logits: pool [B, T] weights the positions of h [B, T, C] → [B, C] → head → [B, K]. */
  classifierHead(h: string, pool: string): string {
    return this.head(this.g.op1('Squeeze', [this.pool(h, pool), this.g.ints([1])]));
  }

  /** The classifier head: [B, C] → [B, K]. */
  head(pooled: string): string {
    return this.g.op1('Add', [this.g.op1('MatMul', [pooled, this.w(HEAD_WEIGHT)]), this.w(HEAD_BIAS)]);
  }

  /** K, the classifier's number of classes (0 without a head). */
  get numClasses(): number {
    return this.weights.get(HEAD_BIAS)?.shape[0] ?? 0;
  }

  /** Next-token logits at the last position: h [B, T, C] → [B, V], the head tied to wte. */
  lmLast(h: string): string {
    const last = this.g.op1('Gather', [h, this.g.ints([-1], true)], { axis: { int: 1 } });
    return this.g.op1('Gemm', [last, this.w('wte.weight')], { transB: { int: 1 } });
  }
}

/** The serialized ONNX model of `spec` for a GPT-2 (and, for logits, its classifier head) with these weights. */
export function buildGpt2Graph(config: GPT2Config, weights: TensorMap, spec: GraphSpec): Uint8Array {
  const m = new Gpt2Graph(config, weights);
  const { g } = m;
  const C = config.nEmbd;
  let x: string;
  if ((spec.input ?? (spec.from === 0 ? 'ids' : 'hidden')) === 'ids') x = m.embed(g.input('ids', 'int32', ['B', 'T']));
  else x = g.input('hidden_in', 'float32', ['B', 'T', C]);
  if (spec.pickOne && spec.to > spec.from) return buildPickedClassifier(m, x, spec);
  for (let i = spec.from; i < spec.to; i++) x = m.block(x, i);
  if (spec.hidden) g.output('hidden', x, ['B', 'T', C]);
  if (!spec.normed && !spec.logits && !spec.lmLast) return g.encode();
  const normed = m.layerNorm(x, 'ln_f');
  if (spec.normed) g.output('normed', normed, ['B', 'T', C]);
  if (spec.logits) {
    g.output('logits', m.classifierHead(normed, g.input('pool', 'float32', ['B', 'T'])), ['B', m.numClasses]);
  }
  if (spec.lmLast) g.output('lm_last', m.lmLast(normed), ['B', config.vocabSize]);
  return g.encode();
}

/** Classifier logits from blocks [from, to) whose last runs for the picked position only (GraphSpec.pickOne). */
function buildPickedClassifier(m: Gpt2Graph, input: string, spec: GraphSpec): Uint8Array {
  const { g } = m;
  const pool = g.input('pool', 'float32', ['B', 'T']);
  let x = input;
  for (let i = spec.from; i < spec.to - 1; i++) x = m.block(x, i);
  const picked = g.op1('Squeeze', [m.pickedBlock(x, spec.to - 1, pool), g.ints([1])]); // [B, C]
  g.output('logits', m.head(m.layerNorm(picked, 'ln_f')), ['B', m.numClasses]);
  return g.encode();
}
