import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PAD_TOKEN } from '../../src/core/data/tokenizer.js';
import { GPT2 } from '../../src/core/model/gpt2.js';
import { loadGpt2Checkpoint } from '../../src/core/model/gpt2Checkpoint.js';
import { SequenceClassifier } from '../../src/core/model/sequenceClassifier.js';
import { AdamW } from '../../src/core/train/adamw.js';
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

/** A golden model as a GPT2. */
export async function loadGoldenModel(name: string): Promise<GPT2> {
  const { config, tensors } = await loadGoldenCheckpoint(name);
  return GPT2.fromTensors(config, tensors);
}

/** The golden classifier case: its head init, the last block trainable, the padded batch and PyTorch's AdamW settings. */
export async function goldenClassifier(g: ClassifierCase) {
  const gpt = await loadGoldenModel('golden-gpt2');
  const C = gpt.config.nEmbd;
  const model = new SequenceClassifier(gpt, 2, g.pooling, 0, {
    weight: { shape: [C, 2], data: transposed(g.head_init.weight, 2, C) },
    bias: { shape: [2], data: Float32Array.from(g.head_init.bias) },
  });
  const vars = model.setTrainable({ kind: 'last', blocks: 1 });
  const texts = golden.models['golden-gpt2'].lm.map((c) => c.ids);
  const ids = texts.map((t) => [...t, ...Array<number>(g.padded_length - t.length).fill(PAD_TOKEN)]);
  const batch = { ids, lengths: texts.map((t) => t.length), labels: g.labels };
  const opt = new AdamW({
    learningRate: g.optimizer.lr,
    weightDecay: g.optimizer.weight_decay,
    beta1: g.optimizer.betas[0],
    beta2: g.optimizer.betas[1],
    epsilon: g.optimizer.eps,
  });
  return { gpt, model, vars, batch, opt };
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
