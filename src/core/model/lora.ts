import * as tf from '@tensorflow/tfjs-core';
import type { GPT2Config } from './config.js';
import { WorkbenchError } from '../errors.js';
import { matMul } from './ops.js';

/**
 * LoRA (Hu et al. 2021) as in the book's appendix E: a frozen linear layer W gets a trained
 * low-rank update, y = x·W + b + alpha·(x·A·B), with A [in, rank] random and B [rank, out] zero,
 * so training starts from the unchanged model. The update is scaled by alpha (the book's
 * LoRALayer), not alpha/rank as in PEFT: rank 16, alpha 16 here is the book's setting.
 */
export interface LoraAdapter {
  A: tf.Variable;
  B: tf.Variable;
  alpha: number;
}

/** Every linear layer of an adapted block gets an adapter. */
export const LORA_LAYERS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;

export function isLoraName(name: string): boolean {
  return /\.lora_[AB]$/.test(name);
}

/**
 * The first block with adapters: the last `blocks` of nLayer have them (absent: every block). The blocks below stay
 * frozen whole, so their output is the frozen prefix a run caches.
 */
export function firstAdaptedBlock(nLayer: number, blocks: number | undefined): number {
  if (blocks === undefined) return 0;
  if (blocks > nLayer) throw new WorkbenchError(`cannot put LoRA adapters on the last ${blocks} blocks: the model has ${nLayer}`);
  return nLayer - blocks;
}

/** Adapter parameter names and shapes of the last `blocks` blocks (absent: all), e.g. h.0.attn.c_attn.lora_A [C, rank]. */
export function loraParameterShapes(config: GPT2Config, rank: number, blocks?: number): Map<string, number[]> {
  const C = config.nEmbd;
  const io: Record<(typeof LORA_LAYERS)[number], [number, number]> = {
    'attn.c_attn': [C, 3 * C],
    'attn.c_proj': [C, C],
    'mlp.c_fc': [C, 4 * C],
    'mlp.c_proj': [4 * C, C],
  };
  const shapes = new Map<string, number[]>();
  for (let i = firstAdaptedBlock(config.nLayer, blocks); i < config.nLayer; i++) {
    for (const layer of LORA_LAYERS) {
      const [fanIn, fanOut] = io[layer];
      shapes.set(`h.${i}.${layer}.lora_A`, [fanIn, rank]);
      shapes.set(`h.${i}.${layer}.lora_B`, [rank, fanOut]);
    }
  }
  return shapes;
}

/** Initial adapter values: A ~ U(±1/√rank) (PyTorch's kaiming_uniform_ with a=√5 on an [in, rank] tensor), B = 0. */
export function initialLoraValue(name: string, shape: number[], seed: number): tf.Tensor {
  if (name.endsWith('lora_B')) return tf.zeros(shape);
  const bound = 1 / Math.sqrt(shape[1]);
  return tf.randomUniform(shape, -bound, bound, 'float32', seed);
}

/** alpha·(x·A·B) for x [..., in] → [..., out]. */
export function loraDelta(x: tf.Tensor, { A, B, alpha }: LoraAdapter): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const x2 = tf.reshape(x, [-1, A.shape[0]!]);
  return tf.reshape(tf.mul(matMul(matMul(x2, A), B), alpha), [...lead, B.shape[1]!]);
}
