import type { RunDetail } from '../../common/api.js';

export type CurveAxis = 'epochs' | 'examples';
export type CurveMetric = 'loss' | 'accuracy';

export interface CurveSeries {
  runId: number;
  runName: string;
  split: 'train' | 'val';
  points: { x: number; y: number }[];
}

type Curves = Pick<RunDetail, 'id' | 'name' | 'curves'>;

/** Examples in one epoch: what the first finished epoch had seen; null before one has finished. */
function examplesPerEpoch(run: Curves): number | null {
  const first = run.curves.epochs.find((e) => e.epoch === 0);
  return first && first.examplesSeen > 0 ? first.examplesSeen : null;
}

/**
 * A run's train and validation curves for one chart. Loss comes from the periodic evaluations
 * (the book's plot); accuracy from the per-epoch points, or the evaluations until an epoch ends.
 * On the epochs axis an evaluation sits at its fraction of the way through training.
 */
export function curveSeries(run: Curves, metric: CurveMetric, axis: CurveAxis): CurveSeries[] {
  const perEpoch = examplesPerEpoch(run);
  const x = (p: { epoch: number; examplesSeen: number }, endOfEpoch: boolean) =>
    axis === 'examples' ? p.examplesSeen : endOfEpoch ? p.epoch + 1 : perEpoch ? p.examplesSeen / perEpoch : p.epoch;
  const series = (split: 'train' | 'val', points: { x: number; y: number }[]): CurveSeries => ({
    runId: run.id,
    runName: run.name,
    split,
    points,
  });
  const { evals, epochs } = run.curves;
  if (metric === 'loss') {
    return [
      series(
        'train',
        evals.map((p) => ({ x: x(p, false), y: p.trainLoss })),
      ),
      series(
        'val',
        evals.map((p) => ({ x: x(p, false), y: p.valLoss })),
      ),
    ];
  }
  if (epochs.length) {
    return [
      series(
        'train',
        epochs.map((p) => ({ x: x(p, true), y: p.trainAccuracy })),
      ),
      series(
        'val',
        epochs.map((p) => ({ x: x(p, true), y: p.valAccuracy })),
      ),
    ];
  }
  return [
    series(
      'train',
      evals.map((p) => ({ x: x(p, false), y: p.trainAccuracy })),
    ),
    series(
      'val',
      evals.map((p) => ({ x: x(p, false), y: p.valAccuracy })),
    ),
  ];
}

/** Distinct colours for up to eight runs, then repeating; validation is the same colour, dashed. */
export const RUN_COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

export function runColor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length];
}
