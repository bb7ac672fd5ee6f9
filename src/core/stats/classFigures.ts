import { checkCount } from './checks.js';

/*
 * Precision, recall and F1 per class from a confusion matrix, as scikit-learn reports them with
 * zero_division=0. Accuracy alone hides the class that matters: on SMS spam (13% spam) a model
 * that never says "spam" is 87% accurate.
 */

export interface ClassFigures {
  /** Of the messages predicted as this class, the share that are; null when none was predicted as it. */
  precision: number | null;
  /** Of the messages of this class, the share predicted as it; null when the class has no messages. */
  recall: number | null;
  /** Harmonic mean of precision and recall; 0 when either is null or both are 0 (zero_division=0). */
  f1: number;
  /** Messages whose true class this is. */
  support: number;
}

/**
 * Figures for each class, keyed by label. confusion[i][j] counts messages of true class i predicted
 * as class j; labels[i] names class i.
 */
export function perClassFigures<L extends string>(
  confusion: readonly (readonly number[])[],
  labels: readonly L[],
): Record<L, ClassFigures> {
  checkConfusion(confusion);
  if (labels.length !== confusion.length) {
    throw new RangeError(`${labels.length} labels for a ${confusion.length}×${confusion.length} confusion matrix`);
  }
  if (new Set(labels).size !== labels.length) throw new RangeError(`labels repeat: ${labels.join(', ')}`);
  const figures = {} as Record<L, ClassFigures>;
  labels.forEach((label, k) => (figures[label] = figuresOf(confusion, k)));
  return figures;
}

/**
 * Macro-averaged F1: the plain mean of the per-class F1 over the classes that occur as a true or a
 * predicted class, as sklearn's `f1_score(y_true, y_pred, average="macro")` (which sees only the
 * labels present). Every class counts the same, however rare. An all-zero matrix scores 0.
 */
export function macroF1(confusion: readonly (readonly number[])[]): number {
  checkConfusion(confusion);
  let total = 0;
  let present = 0;
  for (let k = 0; k < confusion.length; k++) {
    const { precision, recall, f1 } = figuresOf(confusion, k);
    if (precision === null && recall === null) continue; // neither true nor predicted anywhere
    total += f1;
    present++;
  }
  return present === 0 ? 0 : total / present;
}

function figuresOf(confusion: readonly (readonly number[])[], k: number): ClassFigures {
  const tp = confusion[k][k];
  let support = 0; // row k: true class k
  let predicted = 0; // column k: predicted as k
  for (let j = 0; j < confusion.length; j++) {
    support += confusion[k][j];
    predicted += confusion[j][k];
  }
  const fn = support - tp;
  const fp = predicted - tp;
  // 2·tp / (2·tp + fp + fn) is 2PR/(P + R) without the two rounded divisions in between.
  const denom = 2 * tp + fp + fn;
  return {
    precision: predicted === 0 ? null : tp / predicted,
    recall: support === 0 ? null : tp / support,
    f1: denom === 0 ? 0 : (2 * tp) / denom,
    support,
  };
}

function checkConfusion(confusion: readonly (readonly number[])[]): void {
  const k = confusion.length;
  confusion.forEach((row, i) => {
    if (row.length !== k) throw new RangeError(`confusion matrix must be square: row ${i} has ${row.length} entries, not ${k}`);
    row.forEach((count, j) => checkCount(`confusion[${i}][${j}]`, count));
  });
}
