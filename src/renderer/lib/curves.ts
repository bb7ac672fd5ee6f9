import type { RunDetail } from '../../common/api.js';

export type CurveAxis = 'steps' | 'epochs' | 'examples';
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
 * A run's train and validation curves for one chart, from the periodic evaluations (the book's
 * plot); accuracy also from the epoch ends, measured the same way (a few batches), where no
 * evaluation fell on that step. On the epochs axis an evaluation sits at its fraction of the way
 * through training.
 */
export function curveSeries(run: Curves, metric: CurveMetric, axis: CurveAxis): CurveSeries[] {
  const perEpoch = examplesPerEpoch(run);
  const x = (p: { step: number; epoch: number; examplesSeen: number }, endOfEpoch: boolean) =>
    axis === 'steps'
      ? p.step
      : axis === 'examples'
        ? p.examplesSeen
        : endOfEpoch
          ? p.epoch + 1
          : perEpoch
            ? p.examplesSeen / perEpoch
            : p.epoch;
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
  const evalSteps = new Set(evals.map((p) => p.step));
  const points = [
    ...evals.map((p) => ({ step: p.step, x: x(p, false), train: p.trainAccuracy, val: p.valAccuracy })),
    ...epochs
      .filter((p) => !evalSteps.has(p.step))
      .map((p) => ({ step: p.step, x: x(p, true), train: p.trainAccuracy, val: p.valAccuracy })),
  ].sort((a, b) => a.step - b.step);
  return [
    series(
      'train',
      points.map((p) => ({ x: p.x, y: p.train })),
    ),
    series(
      'val',
      points.map((p) => ({ x: p.x, y: p.val })),
    ),
  ];
}

/**
 * An exponential moving average of a curve (TensorBoard's smoothing): weight 0 leaves it as it is,
 * 0.9 follows the trend of about the last ten points. Debiased, so the first points are not pulled
 * towards zero.
 */
export function smoothPoints(points: readonly { x: number; y: number }[], weight: number): { x: number; y: number }[] {
  if (weight <= 0) return [...points];
  let average = 0;
  return points.map((p, i) => {
    average = weight * average + (1 - weight) * p.y;
    return { x: p.x, y: average / (1 - weight ** (i + 1)) };
  });
}

/** The line under the curves: their points come from a few batches, the tables' figures from whole splits. */
export function curveNote(runs: readonly { config: { evalBatches: number } }[]): string {
  const counts = [...new Set(runs.map((r) => r.config.evalBatches))].sort((a, b) => a - b);
  const batches =
    counts.length === 1
      ? `${counts[0]} batch${counts[0] === 1 ? '' : 'es'}`
      : `${counts[0]}–${counts[counts.length - 1]} batches (per run)`;
  return `Curve points are measured on ${batches} of train and validation (the book’s eval_iter); the tables’ figures are on the whole splits.`;
}
