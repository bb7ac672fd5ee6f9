import os from 'node:os';
import type { RunConfig } from '../common/runConfig.js';
import type { GPT2Config } from '../core/model/config.js';
import type { InferenceChoice } from '../core/model/inference.js';

/*
 * What a run config must satisfy before it is queued, beyond its schema: every split gets messages, and
 * one training step fits in this machine's memory. Each returns one line, or null when the run may go.
 */

const BYTES_PER_FLOAT = 4;

/**
 * How many messages each split gets, as the cut does it (core/data/split.ts): from the data set's label
 * counts, balanced to the smallest label when asked; null when the counts are not known yet (a built-in set
 * not downloaded). Dedupe can only lower these.
 */
export function splitSizes(config: RunConfig, labels: Record<string, number> | null): { train: number; val: number; test: number } | null {
  if (!labels) return null;
  const { split, balance, stratify } = config.dataset;
  const counts = Object.values(labels);
  if (counts.length === 0) return null;
  const perLabel = balance ? counts.map(() => Math.min(...counts)) : counts;
  if (stratify) {
    const floor = (f: number, n: number) => Math.floor(f * n + 1e-9);
    const sizes = { train: 0, val: 0, test: 0 };
    for (const n of perLabel) {
      sizes.train += floor(split.train, n);
      sizes.val += floor(split.train + split.val, n) - floor(split.train, n);
      sizes.test += n - floor(split.train + split.val, n);
    }
    return sizes;
  }
  const n = perLabel.reduce((a, b) => a + b, 0);
  const train = Math.floor(n * split.train);
  const val = Math.floor(n * split.val);
  return { train, val, test: n - train - val };
}

/** Refuses a split that leaves train, validation or test without messages. */
export function emptySplitProblem(config: RunConfig, labels: Record<string, number> | null): string | null {
  const { split } = config.dataset;
  const fractions = `split ${split.train},${split.val},${split.test}`;
  const zero = (['train', 'val', 'test'] as const).filter((s) => split[s] === 0);
  if (zero.length > 0) {
    return `${fractions}: the ${zero.map(splitWord).join(' and ')} set${zero.length > 1 ? 's' : ''} would be empty; every split needs messages (e.g. 0.7,0.1,0.2)`;
  }
  const sizes = splitSizes(config, labels);
  const empty = sizes && (['train', 'val', 'test'] as const).filter((s) => sizes[s] === 0);
  if (empty && empty.length > 0) {
    return `${fractions}: the ${empty.map(splitWord).join(' and ')} set${empty.length > 1 ? 's' : ''} would get no message of this data set's ${sizes.train + sizes.val + sizes.test}; give ${empty.length > 1 ? 'them' : 'it'} a larger fraction`;
  }
  return null;
}

const splitWord = (s: 'train' | 'val' | 'test') => (s === 'val' ? 'validation' : s);

/**
 * A lower bound of the memory one training step needs: the weights (and, for the trained ones, their
 * gradients and AdamW's two moments; on ONNX Runtime also the host optimizer's copy of each and its own two
 * moments, train/hostAdamW.ts), and one block's activations for one batch — the attention scores
 * and their softmax, batch × heads × T² each, and the MLP's batch × T × 4·width. The longest-text padding
 * is not known before the data is read, so it counts as 1 token (the weights alone are then checked).
 */
export function memoryNeeded(
  config: RunConfig,
  shape: GPT2Config,
  parameters: { trainable: number; total: number },
  path: InferenceChoice,
): { bytes: number; attentionBytes: number; positions: number } {
  const m = config.maxLength;
  const positions = m === 'context' ? shape.nPositions : m === 'longest' ? 1 : Math.min(m, shape.nPositions);
  const attentionBytes = 2 * config.batchSize * shape.nHead * positions ** 2 * BYTES_PER_FLOAT;
  const mlpBytes = config.batchSize * positions * 4 * shape.nEmbd * BYTES_PER_FLOAT;
  const floatsPerTrained = path === 'onnx' ? 6 : 3;
  const weightBytes = (parameters.total + floatsPerTrained * parameters.trainable) * BYTES_PER_FLOAT;
  return { bytes: weightBytes + attentionBytes + mlpBytes, attentionBytes, positions };
}

/** Refuses a run whose step cannot fit in `totalBytes` (default: this machine's memory). */
export function memoryProblem(
  config: RunConfig,
  shape: GPT2Config,
  parameters: { trainable: number; total: number },
  path: InferenceChoice,
  totalBytes = os.totalmem(),
): string | null {
  const need = memoryNeeded(config, shape, parameters, path);
  if (need.bytes <= totalBytes) return null;
  const attention =
    need.attentionBytes > need.bytes / 2
      ? ` (the attention scores of batch ${config.batchSize} × ${shape.nHead} heads × ${need.positions.toLocaleString('en-US')}² positions alone take ${formatBytes(need.attentionBytes)})`
      : '';
  return `one training step needs at least ${formatBytes(need.bytes)} of memory${attention}, more than this machine's ${formatBytes(totalBytes)}; lower maxLength, batchSize or the model's size`;
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
