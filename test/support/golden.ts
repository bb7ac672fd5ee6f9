import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadGpt2Checkpoint } from '../../src/core/model/gpt2Checkpoint.js';
import { sharedPath } from './shared.js';

/* The PyTorch float32 reference outputs of ../shared/fixtures/golden (see its README), as the tfjs and ONNX tests read them. */

export interface LmCase {
  text: string;
  ids: number[];
  hidden_last_layer: number[];
  hidden_shape: [number, number];
  last_logits_first16: number[];
  last_logits_logsumexp: number;
  last_top5_ids: number[];
  last_top5_logits: number[];
}

export interface ClassifierCase {
  pooling: 'last-position' | 'last-token';
  pad_token: number;
  padded_length: number;
  labels: number[];
  optimizer: { lr: number; weight_decay: number; betas: [number, number]; eps: number };
  head_init: { weight: number[]; bias: number[] };
  loss_before_each_step: number[];
  logits_after_steps: number[];
  head_after_steps: { weight: number[]; bias: number[] };
  final_norm_after_steps: { weight: number[]; bias: number[] };
}

export interface GoldenModel {
  weights: string;
  config: string;
  lm: LmCase[];
  classifier_last_position?: ClassifierCase;
  classifier_last_token?: ClassifierCase;
}

export const goldenDir = path.dirname(sharedPath('fixtures/golden/golden.json'));
export const golden = JSON.parse(readFileSync(path.join(goldenDir, 'golden.json'), 'utf8')) as { models: Record<string, GoldenModel> };

/** A golden model's config and tensors, read as the app reads a Hugging Face checkpoint. */
export function loadGoldenCheckpoint(name: string) {
  const m = golden.models[name];
  return loadGpt2Checkpoint(path.join(goldenDir, m.weights), { configPath: path.join(goldenDir, m.config) });
}

/** PyTorch's head weight is [K, C] row-major; ours is [C, K] (and back, with rows and columns swapped). */
export function transposed(rowMajor: number[], rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = rowMajor[r * cols + c];
  return out;
}

/** The largest absolute difference; the lengths must agree. */
export function worstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length}, expected ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}
