import type { GPT2Config } from '../config.js';
import { dropoutScale } from '../dropoutMask.js';
import { blockSite, EMBEDDING_SITE, isAttentionSite } from '../dropoutSites.js';
import type { TensorMap } from '../tensorMap.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../trainable.js';
import { maskInput } from './dropoutFeeds.js';
import { Gpt2Graph } from './gpt2Graph.js';
import type { Dim } from './graphBuilder.js';
import { LoraAdapters } from './loraGraph.js';

/*
 * The trained top of a classifier (blocks [from, nLayer), final norm, pooling, head, mean cross-entropy)
 * as one ONNX graph that returns the loss and the gradients of the trained weights: the forward keeps
 * what the backward needs, and the backward is written out per layer like llm.c's GPT-2 (layernorm,
 * matmul, attention, GELU, residual). The weights are graph inputs so one session serves every step.
 * Inputs: hidden_in [B, T, C] (the frozen prefix), pool [B, T] (pooling.ts), onehot [B, K] (labels),
 * and every weight of the top by name; with dropout, a keep mask per dropout site (dropoutFeeds.ts) that the forward
 * multiplies by and the backward multiplies the gradient by, as tf.dropout's gradient does.
 * Outputs: loss [] and grad:<name> for each trained weight.
 * With LoRA adapters (loraGraph.ts) every linear layer of the blocks adds its adapter's update.
 * When the pooling reads one position per row (book mode's last position, last-token), the last block is computed
 * for that position only, as inference's pickedBlock: every position's keys and values, one query, one row through
 * the projection and the MLP — about a quarter of the block's forward — and its backward alike.
 */

/** ONNX's FLOAT and INT64 element types, for Cast. */
const FLOAT = 1;
const INT64 = 7;

interface NormSaved {
  y: string;
  xhat: string;
  rstd: string;
}

interface BlockSaved {
  ln1: NormSaved;
  qh: string; // [B, H, T, D], pre-scaled
  kh: string; // [B, H, T, D]
  vh: string;
  att: string; // [B, H, T, T], the softmax
  attDropped: string; // att after dropout: what multiplies the values
  y: string; // [B, T, C], heads merged
  h: string;
  ln2: NormSaved;
  fc: string; // [B, T, 4C], before GELU
  act: string;
  out: string; // the block's output
  pool: string | null; // [B, T] one-hot: the block was computed for the position it picks, its rows [B, 1, ·]
}

/**
 * What the top adds to the plain blocks: dropout at every site (rate > 0) and LoRA adapters (their alpha); and
 * whether the pooling picks one position per row (pooling.ts picksOne), so the last block computes only that one.
 */
export interface TopOptions {
  dropout?: number;
  loraAlpha?: number | null;
  picksOne?: boolean;
}

class TrainGraph extends Gpt2Graph {
  private readonly lora: LoraAdapters | null;
  private readonly dropout: number;

  constructor(
    config: GPT2Config,
    private readonly shapes: Map<string, number[]>,
    private readonly trained: Set<string>,
    options: TopOptions,
    constants: TensorMap = new Map(), // weights built into the graph: those not in `shapes`
  ) {
    super(config, constants);
    this.dropout = options.dropout ?? 0;
    this.lora = options.loraAlpha == null ? null : new LoraAdapters(this, shapes, options.loraAlpha);
  }

  private readonly declared = new Set<string>();
  private readonly masks = new Map<string, string>();

  override w(name: string): string {
    if (!this.shapes.has(name)) return super.w(name);
    if (!this.declared.has(name)) {
      this.g.input(name, 'float32', this.shapes.get(name)!);
      this.declared.add(name);
    }
    return name;
  }

  /**
   * x times dropout site `site`'s keep mask over 1 − rate (x itself without dropout); the backward multiplies dy alike.
   * With `pool`, x holds the picked position's rows only, and so does the mask: [B, H, 1, T] of the attention's.
   */
  drop(x: string, site: number, pool: string | null = null): string {
    return this.dropout === 0 ? x : this.g.op1('Mul', [x, this.mask(site, pool)]);
  }

  /** Site `site`'s keep mask over 1 − rate, built once per graph (and once more for the picked rows). */
  private mask(site: number, pool: string | null): string {
    const key = pool ? `${site} picked` : `${site}`;
    let mask = this.masks.get(key);
    if (!mask) {
      mask = pool ? this.pickRows(this.mask(site, null), site, pool) : this.fullMask(site);
      this.masks.set(key, mask);
    }
    return mask;
  }

  private fullMask(site: number): string {
    const dims: Dim[] = isAttentionSite(site) ? ['B', this.config.nHead, 'T', 'T'] : ['B', 'T', this.C];
    const keep = this.g.op1('Cast', [this.g.input(maskInput(site), 'uint8', dims)], { to: { int: FLOAT } });
    return this.g.op1('Mul', [keep, this.g.scalar(dropoutScale(this.dropout))]);
  }

  /** The picked position's rows of a mask: pool [B, 1, 1, T] · mask [B, H, T, T] for attention, pool · mask [B, T, C] else. */
  private pickRows(mask: string, site: number, pool: string): string {
    if (!isAttentionSite(site)) return this.pool(mask, pool);
    return this.g.op1('MatMul', [this.g.op1('Unsqueeze', [pool, this.g.ints([1, 2])]), mask]);
  }

  /** Emits grad:<name> when `name` is trained; `make` builds the gradient only then. */
  grad(name: string, make: () => string): void {
    if (this.trained.has(name)) this.g.output(`grad:${name}`, make(), this.shapes.get(name)!);
  }

  private mean(x: string): string {
    return this.g.op1('ReduceMean', [x], { axes: { ints: [-1] }, keepdims: { int: 1 } });
  }

  /** Sum over every axis but the last: the gradient of a weight broadcast along them. */
  private sumLeading(x: string, width: number): string {
    const g = this.g;
    return g.op1('ReduceSum', [g.op1('Reshape', [x, g.ints([-1, width])]), g.ints([0])], { keepdims: { int: 0 } });
  }

  /** Swaps the last two axes of a [B, H, ·, ·] tensor. */
  private swap(x: string): string {
    return this.g.op1('Transpose', [x], { perm: { ints: [0, 1, 3, 2] } });
  }

  /** The layer norm of ops.ts, keeping the normalised input and 1/σ for the backward. */
  norm(x: string, prefix: string): NormSaved {
    const g = this.g;
    const centered = g.op1('Sub', [x, this.mean(x)]);
    const variance = this.mean(g.op1('Mul', [centered, centered]));
    const rstd = g.op1('Reciprocal', [g.op1('Sqrt', [g.op1('Add', [variance, g.scalar(this.config.layerNormEpsilon)])])]);
    const xhat = g.op1('Mul', [centered, rstd]);
    return { y: g.op1('Add', [g.op1('Mul', [xhat, this.w(`${prefix}.weight`)]), this.w(`${prefix}.bias`)]), xhat, rstd };
  }

  /** dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·w; null when no input gradient is needed. */
  normBackward(dy: string, s: NormSaved, prefix: string, needInput: boolean): string | null {
    const g = this.g;
    this.grad(`${prefix}.weight`, () => this.sumLeading(g.op1('Mul', [dy, s.xhat]), this.C));
    this.grad(`${prefix}.bias`, () => this.sumLeading(dy, this.C));
    if (!needInput) return null;
    const dxhat = g.op1('Mul', [dy, this.w(`${prefix}.weight`)]);
    const inner = g.op1('Sub', [g.op1('Sub', [dxhat, this.mean(dxhat)]), g.op1('Mul', [s.xhat, this.mean(g.op1('Mul', [dxhat, s.xhat]))])]);
    return g.op1('Mul', [inner, s.rstd]);
  }

  /** x·W + b, plus the LoRA update when the layer has an adapter (block.ts's linear). */
  override dense(x: string, layer: string): string {
    const y = super.dense(x, layer);
    return this.lora?.has(layer) ? this.lora.forward(x, layer, y) : y;
  }

  /** Backward of dense(x, layer): weight and bias gradients (the adapter's too), and dx when needed. */
  denseBackward(dy: string, x: string, layer: string, needInput = true): string | null {
    const g = this.g;
    const [nIn, nOut] = this.shapes.get(`${layer}.weight`)!;
    this.grad(`${layer}.weight`, () =>
      g.op1('Gemm', [g.op1('Reshape', [x, g.ints([-1, nIn])]), g.op1('Reshape', [dy, g.ints([-1, nOut])])], { transA: { int: 1 } }),
    );
    this.grad(`${layer}.bias`, () => this.sumLeading(dy, nOut));
    const dx = needInput ? g.op1('MatMul', [dy, g.op1('Transpose', [this.w(`${layer}.weight`)])]) : null;
    return this.lora?.has(layer) ? this.lora.backward(dy, x, layer, dx) : dx;
  }

  /** d/dx of gelu (tanh approximation), as ops.ts's gradient. */
  geluBackward(dy: string, x: string): string {
    const g = this.g;
    const c = g.scalar(Math.sqrt(2 / Math.PI));
    const x2 = g.op1('Mul', [x, x]);
    const t = g.op1('Tanh', [g.op1('Mul', [g.op1('Add', [x, g.op1('Mul', [g.op1('Mul', [x2, x]), g.scalar(0.044715)])]), c])]);
    const dInner = g.op1('Mul', [g.op1('Add', [g.op1('Mul', [x2, g.scalar(3 * 0.044715)]), g.scalar(1)]), c]);
    const left = g.op1('Mul', [g.op1('Add', [t, g.scalar(1)]), g.scalar(0.5)]);
    const right = g.op1('Mul', [
      g.op1('Mul', [g.op1('Mul', [x, g.scalar(0.5)]), g.op1('Sub', [g.scalar(1), g.op1('Mul', [t, t])])]),
      dInner,
    ]);
    return g.op1('Mul', [dy, g.op1('Add', [left, right])]);
  }

  /**
   * Gradients of the token and position tables from d(embedded) [B, T, C]: rows of wte summed per
   * token id (ScatterND adds duplicates), wpe's first T rows summed over the batch, the rest zero.
   */
  embedBackward(dx: string, ids: string): void {
    const g = this.g;
    this.grad('wte.weight', () => {
      const zeros = g.op1('ConstantOfShape', [g.op1('Shape', [this.w('wte.weight')])]);
      const index = g.op1('Unsqueeze', [g.op1('Cast', [ids], { to: { int: INT64 } }), g.ints([-1])]);
      return g.op1('ScatterND', [zeros, index, dx], { reduction: { string: 'add' } });
    });
    this.grad('wpe.weight', () => {
      const rows = this.config.nPositions;
      const pads = g.op1('Concat', [g.ints([0, 0]), g.op1('Sub', [g.ints([rows]), this.length(ids)]), g.ints([0])], { axis: { int: 0 } });
      return g.op1('Pad', [g.op1('ReduceSum', [dx, g.ints([0])], { keepdims: { int: 0 } }), pads]);
    });
  }

  /** [B, T, C] → [B, H, T, D]. */
  private split(t: string): string {
    const D = this.C / this.config.nHead;
    return this.g.op1('Transpose', [this.g.op1('Reshape', [t, this.g.ints([0, 0, this.config.nHead, D])])], {
      perm: { ints: [0, 2, 1, 3] },
    });
  }

  /** [B, H, T, D] → [B, T, C]. */
  private merge(t: string): string {
    return this.g.op1('Reshape', [this.g.op1('Transpose', [t], { perm: { ints: [0, 2, 1, 3] } }), this.g.ints([0, 0, this.C])]);
  }

  private scale(): string {
    return this.g.scalar(1 / Math.sqrt(this.C / this.config.nHead));
  }

  /**
   * The block of gpt2Graph.ts, keeping its intermediates; with `pool` (one-hot [B, T]) for the picked position only,
   * as pickedBlock: x [B, T, C] → out [B, 1, C].
   */
  blockForward(x: string, i: number, mask: string, pool: string | null = null): BlockSaved {
    const g = this.g;
    const p = `h.${i}.`;
    const pick = (t: string) => (pool ? this.pool(t, pool) : t);
    const ln1 = this.norm(x, `${p}ln_1`);
    const [q, k, v] = g.op('Split', [this.dense(ln1.y, `${p}attn.c_attn`), g.ints([this.C, this.C, this.C])], { axis: { int: -1 } }, 3);
    const qh = g.op1('Mul', [this.split(pick(q)), this.scale()]); // [B, H, T or 1, D]
    const kh = this.split(k);
    const vh = this.split(v);
    const rowMask = pool ? g.op1('Unsqueeze', [this.pool(mask, pool), g.ints([1])]) : mask; // [B, 1, 1, T] or [T, T]
    const att = g.op1('Softmax', [g.op1('Add', [g.op1('MatMul', [qh, this.swap(kh)]), rowMask])], { axis: { int: -1 } });
    const attDropped = this.drop(att, blockSite(i, 'attention'), pool);
    const y = this.merge(g.op1('MatMul', [attDropped, vh]));
    const h = g.op1('Add', [pick(x), this.drop(this.dense(y, `${p}attn.c_proj`), blockSite(i, 'projection'), pool)]);
    const ln2 = this.norm(h, `${p}ln_2`);
    const fc = this.dense(ln2.y, `${p}mlp.c_fc`);
    const act = this.gelu(fc);
    const out = g.op1('Add', [h, this.drop(this.dense(act, `${p}mlp.c_proj`), blockSite(i, 'mlp'), pool)]);
    return { ln1, qh, kh, vh, att, attDropped, y, h, ln2, fc, act, out, pool };
  }

  /**
   * Block i forward only, with dropout (a frozen block in scope `all`): ONNX Runtime's fused LayerNormalization,
   * SkipLayerNormalization and FastGelu where dropout leaves them whole; the attention written out, as its
   * weights drop (the fused Attention kernel has no place for that), and c_proj's bias added before its dropout.
   * With `pool` (one-hot [B, T]) for the picked position only, as blockForward: x [B, T, C] → [B, 1, C].
   */
  droppedBlock(x: string, i: number, mask: string, pool: string | null = null): string {
    const g = this.g;
    const p = `h.${i}.`;
    const pick = (t: string) => (pool ? this.pool(t, pool) : t);
    const qkv = this.dense(this.layerNorm(x, `${p}ln_1`), `${p}attn.c_attn`);
    const [q, k, v] = g.op('Split', [qkv, g.ints([this.C, this.C, this.C])], { axis: { int: -1 } }, 3);
    const scores = g.op1('MatMul', [g.op1('Mul', [this.split(pick(q)), this.scale()]), this.swap(this.split(k))]);
    const rowMask = pool ? g.op1('Unsqueeze', [this.pool(mask, pool), g.ints([1])]) : mask; // [B, 1, 1, T] or [T, T]
    const att = g.op1('Softmax', [g.op1('Add', [scores, rowMask])], { axis: { int: -1 } });
    const y = this.merge(g.op1('MatMul', [this.drop(att, blockSite(i, 'attention'), pool), this.split(v)]));
    const projected = this.drop(this.dense(y, `${p}attn.c_proj`), blockSite(i, 'projection'), pool);
    const [normed, h] = this.skipLayerNorm(projected, pick(x), null, `${p}ln_2`);
    return g.op1('Add', [h, this.drop(this.mlp(normed, p), blockSite(i, 'mlp'), pool)]);
  }

  /** Gradients of block i's weights from dout; returns d(block input) when needed. */
  blockBackward(dout: string, s: BlockSaved, i: number, needInput: boolean): string | null {
    const g = this.g;
    const p = `h.${i}.`;
    // A picked block's row gradients [B, 1, C] go back to its position of [B, T, C] (pick's transpose).
    const unpick = (t: string) => (s.pool ? g.op1('Mul', [g.op1('Unsqueeze', [s.pool, g.ints([2])]), t]) : t);
    const dact = this.denseBackward(this.drop(dout, blockSite(i, 'mlp'), s.pool), s.act, `${p}mlp.c_proj`)!;
    const dln2 = this.denseBackward(this.geluBackward(dact, s.fc), s.ln2.y, `${p}mlp.c_fc`)!;
    const dh = g.op1('Add', [dout, this.normBackward(dln2, s.ln2, `${p}ln_2`, true)!]);
    const dyh = this.split(this.denseBackward(this.drop(dh, blockSite(i, 'projection'), s.pool), s.y, `${p}attn.c_proj`)!);
    const datt = this.drop(g.op1('MatMul', [dyh, this.swap(s.vh)]), blockSite(i, 'attention'), s.pool);
    const dv = g.op1('MatMul', [this.swap(s.attDropped), dyh]);
    // Softmax backward: ds = att·(datt − Σ datt·att); masked positions have att = 0 and get none.
    const rowDot = g.op1('ReduceSum', [g.op1('Mul', [datt, s.att]), g.ints([-1])], { keepdims: { int: 1 } });
    const ds = g.op1('Mul', [s.att, g.op1('Sub', [datt, rowDot])]);
    const dq = g.op1('Mul', [g.op1('MatMul', [ds, s.kh]), this.scale()]);
    const dk = g.op1('MatMul', [this.swap(ds), s.qh]);
    const dqkv = g.op1('Concat', [unpick(this.merge(dq)), this.merge(dk), this.merge(dv)], { axis: { int: -1 } });
    const dln1 = this.denseBackward(dqkv, s.ln1.y, `${p}attn.c_attn`)!;
    const dx = this.normBackward(dln1, s.ln1, `${p}ln_1`, needInput);
    return dx && g.op1('Add', [unpick(dh), dx]);
  }
}

/**
 * The serialized training graph of the top from block `from` up, starting from hidden states or (from
 * block 0) from the token ids; `shapes` holds every weight it uses, LoRA adapters included, whose
 * updates are scaled by `options.loraAlpha`; with `options.dropout` > 0 every site of the top drops.
 */
export function buildTrainGraph(
  config: GPT2Config,
  shapes: Map<string, number[]>,
  trained: Set<string>,
  from: number,
  input: 'ids' | 'hidden',
  options: TopOptions = {},
): Uint8Array {
  const m = new TrainGraph(config, shapes, trained, options);
  const { g } = m;
  const C = config.nEmbd;
  const K = shapes.get(HEAD_BIAS)![0];
  // From the ids the graph embeds them itself, so trained embeddings get their gradients.
  const ids = input === 'ids' ? g.input('ids', 'int32', ['B', 'T']) : null;
  let x = ids ? m.drop(m.embed(ids), EMBEDDING_SITE) : g.input('hidden_in', 'float32', ['B', 'T', C]);
  const pool = g.input('pool', 'float32', ['B', 'T']);
  const onehot = g.input('onehot', 'float32', ['B', K]);
  const mask = m.causalMask(m.length(x));
  const anyBlock = from < config.nLayer;
  const lastPicked = anyBlock && options.picksOne === true;
  const saved: BlockSaved[] = [];
  for (let i = from; i < config.nLayer; i++) {
    const s = m.blockForward(x, i, mask, lastPicked && i === config.nLayer - 1 ? pool : null);
    saved.push(s);
    x = s.out;
  }
  const lnf = m.norm(x, 'ln_f');
  // Pooling as classifierHead: pooled [B, C] = pool [B, 1, T] · normed [B, T, C]; a picked last block's rows are it.
  const pooled = g.op1('Squeeze', [lastPicked ? lnf.y : m.pool(lnf.y, pool), g.ints([1])]);
  const logits = g.op1('Add', [g.op1('MatMul', [pooled, m.w(HEAD_WEIGHT)]), m.w(HEAD_BIAS)]);

  const logProbs = g.op1('LogSoftmax', [logits], { axis: { int: -1 } });
  const picked = g.op1('ReduceSum', [g.op1('Mul', [logProbs, onehot]), g.ints([1])], { keepdims: { int: 0 } });
  g.output('loss', g.op1('Neg', [g.op1('ReduceMean', [picked], { keepdims: { int: 0 } })]), []);

  // d(mean cross-entropy)/d logits = (softmax − onehot) / B.
  const B = g.op1('Cast', [g.op1('Slice', [g.op1('Shape', [onehot]), g.ints([0]), g.ints([1])])], { to: { int: FLOAT } });
  const dlogits = g.op1('Div', [g.op1('Sub', [g.op1('Exp', [logProbs]), onehot]), B]);
  m.grad(HEAD_WEIGHT, () => g.op1('Gemm', [pooled, dlogits], { transA: { int: 1 } }));
  m.grad(HEAD_BIAS, () => g.op1('ReduceSum', [dlogits, g.ints([0])], { keepdims: { int: 0 } }));
  const embeddings = ids !== null && (trained.has('wte.weight') || trained.has('wpe.weight'));
  const needNormed = anyBlock || trained.has('ln_f.weight') || trained.has('ln_f.bias');
  if (needNormed) {
    const dpooled = g.op1('Gemm', [dlogits, m.w(HEAD_WEIGHT)], { transB: { int: 1 } });
    // d normed [B, T, C] = pool [B, T, 1] · dpooled [B, 1, C]; [B, 1, C] for a picked last block.
    const rows = g.op1('Unsqueeze', [dpooled, g.ints([1])]);
    const dnormed = lastPicked ? rows : g.op1('Mul', [g.op1('Unsqueeze', [pool, g.ints([2])]), rows]);
    let dx = m.normBackward(dnormed, lnf, 'ln_f', anyBlock);
    for (let i = config.nLayer - 1; i >= from; i--) dx = m.blockBackward(dx!, saved[i - from], i, i > from || embeddings);
    if (ids && embeddings) m.embedBackward(m.drop(dx!, EMBEDDING_SITE), ids);
  }
  return g.encode();
}

/**
 * Frozen blocks [from, to) with dropout (scope `all`): from the ids (embedded and dropped first) when `from` is 0, else
 * from hidden states `hidden_in`, to `hidden` [B, T, C]; the weights built in, a keep mask per site as in the
 * training graph (TrainGraph.droppedBlock). With `pickLast`, block to−1 computes only the position the one-hot
 * `pool` [B, T] picks (the classifier reads no other), and `hidden` holds that row in place, zeros elsewhere.
 */
export function buildDroppedPrefixGraph(
  config: GPT2Config,
  weights: TensorMap,
  from: number,
  to: number,
  dropout: number,
  pickLast = false,
): Uint8Array {
  const m = new TrainGraph(config, new Map(), new Set(), { dropout }, weights);
  const { g } = m;
  let x =
    from === 0
      ? m.drop(m.embed(g.input('ids', 'int32', ['B', 'T'])), EMBEDDING_SITE)
      : g.input('hidden_in', 'float32', ['B', 'T', config.nEmbd]);
  const pool = pickLast ? g.input('pool', 'float32', ['B', 'T']) : null;
  const mask = m.causalMask(m.length(x));
  for (let i = from; i < to; i++) x = m.droppedBlock(x, i, mask, pool && i === to - 1 ? pool : null);
  // The picked row [B, 1, C] back at its position of [B, T, C]: pool [B, T, 1] · row.
  const hidden = pool ? g.op1('Mul', [g.op1('Unsqueeze', [pool, g.ints([2])]), x]) : x;
  g.output('hidden', hidden, ['B', 'T', config.nEmbd]);
  return g.encode();
}
