import type { Pooling } from '../../common/modelSpec.js';
import type { MaxLength } from '../../common/runConfig.js';
import { PAD_TOKEN, tokenize } from './tokenizer.js';
import type { LabeledRow } from './validation.js';
import { maxOf } from '../arrays.js';
import { WorkbenchError } from '../errors.js';
import type { SplitName } from './split.js';

/** A tokenized example: ids truncated to the padding length, its class id. */
export interface Example {
  ids: number[];
  label: number;
}

export type SplitExamples = Record<SplitName, Example[]>;

/**
 * The padding length: the longest training text in tokens (the book: 120 for the SMS set),
 * a fixed length, or the context length — never more than the context.
 */
export function resolveMaxLength(maxLength: MaxLength, trainTokenLengths: number[], contextLength: number): number {
  const wanted = maxLength === 'context' ? contextLength : maxLength === 'longest' ? maxOf(trainTokenLengths, 1) : maxLength;
  return Math.min(wanted, contextLength);
}

/** Tokenizes the splits and truncates to the resolved padding length. */
export function toExamples(
  splits: Record<SplitName, LabeledRow[]>,
  labels: string[],
  maxLength: MaxLength,
  contextLength: number,
): { examples: SplitExamples; padLength: number } {
  const classOf = (label: string) => {
    const i = labels.indexOf(label);
    if (i < 0) throw new WorkbenchError(`label "${label}" is not one of ${labels.join(', ')}`);
    return i;
  };
  const tokenized = {
    train: splits.train.map((r) => ({ ids: tokenize(r.text), label: classOf(r.label) })),
    val: splits.val.map((r) => ({ ids: tokenize(r.text), label: classOf(r.label) })),
    test: splits.test.map((r) => ({ ids: tokenize(r.text), label: classOf(r.label) })),
  };
  if (tokenized.train.length === 0) throw new WorkbenchError('the training split is empty');
  const padLength = resolveMaxLength(
    maxLength,
    tokenized.train.map((e) => e.ids.length),
    contextLength,
  );
  const cut = (es: Example[]) => es.map((e) => ({ ids: e.ids.slice(0, padLength), label: e.label }));
  return { examples: { train: cut(tokenized.train), val: cut(tokenized.val), test: cut(tokenized.test) }, padLength };
}

/** Real lengths are at least 1: an empty text is read as a single pad token. */
export function realLength(e: Example): number {
  return Math.max(1, e.ids.length);
}

/**
 * The padded length of a batch. `last-position` pooling reads the padded row's end, so rows are
 * padded to the full padding length (the book); the other poolings read real tokens only, and with
 * causal attention nothing after a row's last real token changes it, so the batch can stop at its
 * longest row (`trim`) with the same result as full padding.
 */
export function batchLength(batch: Example[], pooling: Pooling, padLength: number, padding: 'trim' | 'full' = 'trim'): number {
  return pooling === 'last-position' || padding === 'full' ? padLength : maxOf(batch.map(realLength));
}

/** Rows padded with the pad token to T, their real lengths and labels. */
export function padBatch(batch: Example[], T: number): { ids: number[][]; lengths: number[]; labels: number[] } {
  return {
    ids: batch.map((e) => [...e.ids, ...Array(T - e.ids.length).fill(PAD_TOKEN)]),
    lengths: batch.map(realLength),
    labels: batch.map((e) => e.label),
  };
}

/** Consecutive batches of `size` in the given order; the last partial batch only when keepLast. */
export function chunk<T>(items: readonly T[], size: number, keepLast: boolean): T[][] {
  const out: T[][] = [];
  for (let i = 0; i + (keepLast ? 1 : size) <= items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Forward-only passes (the prefix cache, whole-split evaluation) hold no gradients, so they take bigger batches. */
export function forwardBatchSize(batchSize: number): number {
  return Math.max(batchSize, 16);
}

/** Batches of `size`, shortest texts together so batches carry little padding (for passes where order does not matter). */
export function lengthSortedBatches(examples: readonly Example[], size: number): Example[][] {
  return chunk(
    [...examples].sort((a, b) => realLength(a) - realLength(b)),
    size,
    true,
  );
}
