import { describe, expect, it } from 'vitest';
import { curveNote, curveSeries, smoothPoints } from './curves.js';

const run = {
  id: 7,
  name: 'last-2',
  curves: {
    evals: [
      { step: 0, epoch: 0, examplesSeen: 8, trainLoss: 2, valLoss: 2.5, trainAccuracy: 0.5, valAccuracy: 0.4 },
      { step: 50, epoch: 0, examplesSeen: 408, trainLoss: 0.5, valLoss: 0.6, trainAccuracy: 0.8, valAccuracy: 0.75 },
      { step: 150, epoch: 1, examplesSeen: 1208, trainLoss: 0.2, valLoss: 0.3, trainAccuracy: 0.9, valAccuracy: 0.85 },
    ],
    epochs: [
      { epoch: 0, step: 100, examplesSeen: 800, trainAccuracy: 0.8, valAccuracy: 0.78, valLoss: 0.5 },
      { epoch: 1, step: 200, examplesSeen: 1600, trainAccuracy: 0.95, valAccuracy: 0.9, valLoss: 0.3 },
    ],
  },
};

describe('curveSeries', () => {
  it('gives loss by examples seen from the evaluations', () => {
    const [train, val] = curveSeries(run, 'loss', 'examples');
    expect(train).toMatchObject({ runId: 7, runName: 'last-2', split: 'train' });
    expect(train.points).toEqual([
      { x: 8, y: 2 },
      { x: 408, y: 0.5 },
      { x: 1208, y: 0.2 },
    ]);
    expect(val.points.map((p) => p.y)).toEqual([2.5, 0.6, 0.3]);
  });

  it('places evaluations at their fraction of an epoch', () => {
    const [train] = curveSeries(run, 'loss', 'epochs');
    expect(train.points.map((p) => p.x)).toEqual([0.01, 0.51, 1.51]);
  });

  it('gives accuracy at every evaluation and at the epoch ends, in step order', () => {
    const [train, val] = curveSeries(run, 'accuracy', 'epochs');
    expect(train.points).toEqual([
      { x: 0.01, y: 0.5 },
      { x: 0.51, y: 0.8 },
      { x: 1, y: 0.8 },
      { x: 1.51, y: 0.9 },
      { x: 2, y: 0.95 },
    ]);
    expect(val.points.map((p) => p.y)).toEqual([0.4, 0.75, 0.78, 0.85, 0.9]);
    expect(curveSeries(run, 'accuracy', 'steps')[0].points.map((p) => p.x)).toEqual([0, 50, 100, 150, 200]);
  });

  it('keeps one point where an evaluation falls on an epoch end', () => {
    const atEnd = { ...run, curves: { ...run.curves, evals: [{ ...run.curves.evals[1], step: 100, examplesSeen: 800 }] } };
    expect(curveSeries(atEnd, 'accuracy', 'steps')[0].points).toEqual([
      { x: 100, y: 0.8 },
      { x: 200, y: 0.95 },
    ]);
  });
});

describe('smoothPoints', () => {
  const points = [0, 1, 2, 3].map((x) => ({ x, y: x % 2 === 0 ? 1 : 0 }));

  it('leaves a curve as it is at weight 0', () => {
    expect(smoothPoints(points, 0)).toEqual(points);
  });

  it('starts at the first value (debiased) and evens out a zigzag', () => {
    const smooth = smoothPoints(points, 0.8);
    expect(smooth[0]).toEqual({ x: 0, y: 1 });
    expect(smooth.map((p) => p.x)).toEqual([0, 1, 2, 3]);
    const spread = (ys: number[]) => Math.max(...ys.slice(1)) - Math.min(...ys.slice(1));
    expect(spread(smooth.map((p) => p.y))).toBeLessThan(spread(points.map((p) => p.y)));
    // A constant stays constant.
    expect(
      smoothPoints(
        [0, 1, 2].map((x) => ({ x, y: 0.7 })),
        0.9,
      ).every((p) => Math.abs(p.y - 0.7) < 1e-12),
    ).toBe(true);
  });
});

describe('curveNote', () => {
  it('names the evaluation batches, or their range when runs differ', () => {
    expect(curveNote([{ config: { evalBatches: 5 } }])).toMatch(/^Curve points are measured on 5 batches of train and validation/);
    expect(curveNote([{ config: { evalBatches: 1 } }])).toContain('on 1 batch of');
    expect(curveNote([{ config: { evalBatches: 5 } }, { config: { evalBatches: 1 } }])).toContain('on 1–5 batches (per run)');
  });
});
