import type { ClassFigures, GapIntervals, Interval, RunSummary } from '../common/api.js';
import { macroF1, newcombeDifference, perClassFigures, wilsonInterval } from '../core/stats/index.js';
import type { SplitEvaluation } from './runStore.js';

type Split = 'train' | 'val' | 'test';
export type Evaluations = Record<Split, SplitEvaluation>;

/** Messages a split got right: the confusion matrix's diagonal (exact, unlike accuracy × count). */
export function correctOf(e: SplitEvaluation): number {
  return e.confusion.reduce((sum, row, i) => sum + row[i], 0);
}

/** 95% Wilson interval of each split's accuracy. */
export function accuracyIntervals(evaluation: Evaluations): Record<Split, Interval> {
  const of = (e: SplitEvaluation) => wilsonInterval(correctOf(e), e.count);
  return { train: of(evaluation.train), val: of(evaluation.val), test: of(evaluation.test) };
}

/** 95% Newcombe intervals of train − val and train − test (the splits are independent samples). */
export function gapIntervals(evaluation: Evaluations): GapIntervals {
  const { train, val, test } = evaluation;
  const minus = (held: SplitEvaluation) => newcombeDifference(correctOf(train), train.count, correctOf(held), held.count);
  return { trainVal: minus(val), trainTest: minus(test) };
}

/** Precision, recall, F1 per label and macro-F1, per split. */
export function classFigures(
  evaluation: Evaluations,
  labels: string[],
): { perClass: Record<Split, Record<string, ClassFigures>>; macroF1: Record<Split, number> } {
  const splits = ['train', 'val', 'test'] as const;
  return {
    perClass: Object.fromEntries(splits.map((s) => [s, perClassFigures(evaluation[s].confusion, labels)])) as Record<
      Split,
      Record<string, ClassFigures>
    >,
    macroF1: Object.fromEntries(splits.map((s) => [s, macroF1(evaluation[s].confusion)])) as Record<Split, number>,
  };
}

/** The figures every run summary carries about its final evaluation. */
export function summaryFigures(evaluation: Evaluations | null): Pick<RunSummary, 'accuracy' | 'intervals' | 'gapIntervals'> {
  if (!evaluation) return { accuracy: null, intervals: null, gapIntervals: null };
  return {
    accuracy: { train: evaluation.train.accuracy, val: evaluation.val.accuracy, test: evaluation.test.accuracy },
    intervals: accuracyIntervals(evaluation),
    gapIntervals: gapIntervals(evaluation),
  };
}
