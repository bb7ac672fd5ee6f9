import { growMemory, instantiateKernel } from '../wasmKernel.js';
import type { AdamWFactors } from './adamw.js';
import { ADAMW_KERNEL_WASM } from './adamWKernel.js';

/** assembly/adamW.ts's exports; addresses and counts in bytes and float32s of its memory. */
interface Kernel {
  adamW(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    decay: number,
    beta1: number,
    beta2: number,
    biasCorrection2Sqrt: number,
    epsilon: number,
    stepSize: number,
    scale: number,
  ): void;
  sumOfSquares(g: number, n: number, start: number): number;
}

/** A trained tensor: its parameter name and number of weights. */
export interface TrainedTensor {
  name: string;
  size: number;
}

/** Kernel memory per trained weight: the weight, its gradient and its two moments, float32. */
const BYTES_PER_WEIGHT = 16;
/** The most one kernel's memory can hold: wasm32 addresses end at 4 GiB. */
const MEMORY_LIMIT = 2 ** 32;
/** The most tensors are packed into one shard: half the limit, so a shard asks the system for no more than 2 GiB at once. */
export const SHARD_BYTES = 2 ** 31;

/**
 * Trained tensors' weights, gradients and moments in one AdamW kernel's memory (assembly/adamW.ts): four regions
 * (weights, gradients, m, v), each holding the tensors one after another, so that one call updates them all. The
 * memory grows once, here, and never again, so the views below stay attached for the run: ONNX Runtime reads the
 * weights through them and the gradients are copied into them.
 */
export class AdamWShard {
  private constructor(
    private readonly kernel: Kernel,
    /** Byte addresses of the weights, gradients, m and v regions. */
    private readonly regions: number[],
    /** Floats in each region: the tensors' weights, padded with zeros to a multiple of 4 (the kernel's vector). */
    private readonly length: number,
    readonly weights: ReadonlyMap<string, Float32Array>,
    readonly grads: ReadonlyMap<string, Float32Array>,
    readonly m: ReadonlyMap<string, Float32Array>,
    readonly v: ReadonlyMap<string, Float32Array>,
  ) {}

  /** A new kernel instance holding `tensors`, every value zero. */
  static create(tensors: TrainedTensor[]): AdamWShard {
    const length = Math.ceil(tensors.reduce((sum, t) => sum + t.size, 0) / 4) * 4;
    const bytes = length * BYTES_PER_WEIGHT;
    if (bytes > MEMORY_LIMIT)
      throw new Error(`${tensors[0].name}: ${tensors[0].size} trained weights do not fit the AdamW kernel's 4 GiB memory`);
    const kernel = instantiateKernel<Kernel>(ADAMW_KERNEL_WASM);
    const buffer = growMemory(kernel.memory, bytes);
    const regions = [0, 1, 2, 3].map((r) => r * length * 4);
    const [weights, grads, m, v] = regions.map((start) => {
      let offset = start;
      return new Map(
        tensors.map(({ name, size }) => {
          const view = new Float32Array(buffer, offset, size);
          offset += size * 4;
          return [name, view];
        }),
      );
    });
    return new AdamWShard(kernel, regions, length, weights, grads, m, v);
  }

  /** `start` plus the squares of the gradients, added in tensor order. */
  sumOfSquares(start: number): number {
    return this.kernel.sumOfSquares(this.regions[1], this.length, start);
  }

  /** One AdamW step of every weight, each gradient multiplied by `scale` first. */
  update(f: AdamWFactors, scale: number): void {
    const [p, g, m, v] = this.regions;
    this.kernel.adamW(p, g, m, v, this.length, f.decay, f.beta1, f.beta2, f.biasCorrection2Sqrt, f.epsilon, f.stepSize, scale);
  }
}

/** The tensors, in order, in shards of at most `shardBytes` (a tensor larger than that alone in one). */
export function adamWShards(tensors: TrainedTensor[], shardBytes = SHARD_BYTES): AdamWShard[] {
  const groups: TrainedTensor[][] = [];
  let bytes = Infinity;
  for (const tensor of tensors) {
    const more = tensor.size * BYTES_PER_WEIGHT;
    if (bytes + more > shardBytes) {
      groups.push([]);
      bytes = 0;
    }
    groups[groups.length - 1].push(tensor);
    bytes += more;
  }
  return groups.map((group) => AdamWShard.create(group));
}
