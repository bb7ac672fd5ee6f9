import type { Interval, RunSummary } from '../../common/api.js';

/** The final figures a Compare chart can draw: the two overfitting gaps and the accuracy on each split. */
export type FigureKey = 'trainVal' | 'trainTest' | 'train' | 'val' | 'test';

export const FIGURES: readonly { key: FigureKey; label: string; kind: 'gap' | 'accuracy' }[] = [
  { key: 'trainVal', label: 'gap train − val', kind: 'gap' },
  { key: 'trainTest', label: 'gap train − test', kind: 'gap' },
  { key: 'train', label: 'training accuracy', kind: 'accuracy' },
  { key: 'val', label: 'validation accuracy', kind: 'accuracy' },
  { key: 'test', label: 'test accuracy', kind: 'accuracy' },
];

export const figureDef = (key: FigureKey) => FIGURES.find((f) => f.key === key)!;

export type Figured = Pick<RunSummary, 'id' | 'accuracy' | 'gap' | 'intervals' | 'gapIntervals'>;

const isGap = (key: FigureKey): key is 'trainVal' | 'trainTest' => key === 'trainVal' || key === 'trainTest';

/** A run's figure as a fraction; null until it has finished. */
export function figureOf(run: Figured, key: FigureKey): number | null {
  return (isGap(key) ? run.gap?.[key] : run.accuracy?.[key]) ?? null;
}

/** Its 95% interval (Newcombe for a gap, Wilson for an accuracy). */
export function figureInterval(run: Figured, key: FigureKey): Interval | null {
  return (isGap(key) ? run.gapIntervals?.[key] : run.intervals?.[key]) ?? null;
}
