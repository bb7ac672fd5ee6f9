import type { GraphBuilder } from './graphBuilder.js';

/*
 * LoRA adapters in the training graph: lora.ts's forward with its backward. A frozen linear layer
 * y = x·W + b gets alpha·((x·A)·B), A [in, r], B [r, out]; W and b get no gradient, A and B do, and
 * the input gradient carries the adapter's path as well as W's, so lower blocks' adapters learn too.
 */

/** What the adapters need of the training graph: its builder, the weights as inputs, the gradients as outputs. */
export interface AdapterHost {
  readonly g: GraphBuilder;
  w(name: string): string;
  grad(name: string, make: () => string): void;
}

export class LoraAdapters {
  /** x·A [B, T, r] of each adapted layer, kept by the forward for the backward. */
  private readonly down = new Map<string, string>();

  constructor(
    private readonly host: AdapterHost,
    private readonly shapes: Map<string, number[]>,
    private readonly alpha: number,
  ) {}

  /** Whether the layer ("h.3.mlp.c_fc") has an adapter. */
  has(layer: string): boolean {
    return this.shapes.has(`${layer}.lora_A`);
  }

  /** y + alpha·((x·A)·B): x [B, T, in], y = x·W + b [B, T, out]. */
  forward(x: string, layer: string, y: string): string {
    const { g } = this.host;
    const xa = g.op1('MatMul', [x, this.host.w(`${layer}.lora_A`)]);
    this.down.set(layer, xa);
    return g.op1('Add', [y, g.op1('Mul', [g.op1('MatMul', [xa, this.host.w(`${layer}.lora_B`)]), g.scalar(this.alpha)])]);
  }

  /**
   * From dy [B, T, out]: dB = alpha·(x·A)ᵀ·dy and, with d(x·A) = alpha·dy·Bᵀ, dA = xᵀ·d(x·A); returns
   * dx (W's part, null when the input gradient is not needed) plus d(x·A)·Aᵀ.
   */
  backward(dy: string, x: string, layer: string, dx: string | null): string | null {
    const { g } = this.host;
    const [nIn, rank] = this.shapes.get(`${layer}.lora_A`)!;
    const nOut = this.shapes.get(`${layer}.lora_B`)![1];
    const rows = (t: string, width: number) => g.op1('Reshape', [t, g.ints([-1, width])]);
    const alpha = { float: this.alpha };
    this.host.grad(`${layer}.lora_B`, () =>
      g.op1('Gemm', [rows(this.down.get(layer)!, rank), rows(dy, nOut)], { transA: { int: 1 }, alpha }),
    );
    const dxa = g.op1('Mul', [g.op1('MatMul', [dy, g.op1('Transpose', [this.host.w(`${layer}.lora_B`)])]), g.scalar(this.alpha)]);
    this.host.grad(`${layer}.lora_A`, () => g.op1('Gemm', [rows(x, nIn), rows(dxa, rank)], { transA: { int: 1 } }));
    if (!dx) return null;
    return g.op1('Add', [dx, g.op1('MatMul', [dxa, g.op1('Transpose', [this.host.w(`${layer}.lora_A`)])])]);
  }
}
