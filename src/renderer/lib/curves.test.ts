import { describe, expect, it } from 'vitest';
import { curveSeries } from './curves.js';

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

  it('gives accuracy per finished epoch, or from the evaluations before one ends', () => {
    const [train, val] = curveSeries(run, 'accuracy', 'epochs');
    expect(train.points).toEqual([
      { x: 1, y: 0.8 },
      { x: 2, y: 0.95 },
    ]);
    expect(val.points).toEqual([
      { x: 1, y: 0.78 },
      { x: 2, y: 0.9 },
    ]);
    const early = { ...run, curves: { evals: run.curves.evals.slice(0, 2), epochs: [] } };
    expect(curveSeries(early, 'accuracy', 'epochs')[0].points).toEqual([
      { x: 0, y: 0.5 },
      { x: 0, y: 0.8 },
    ]);
  });
});
