import { describe, expect, it } from 'vitest';
import type { GroupSummary } from '../../common/api.js';
import { defaultAxes, defaultHeld, effectData, effectFields, valueKey } from './effect.js';

// Twelve runs as e2e/twelveRuns.ts makes them: repeats of lr 1e-3 and 3e-3 (the grid's first cell repeats
// the first group), then trainable × dropout at lr 1e-3.
const spec: [string, number, number, number, string][] = [
  ['all', 0, 1e-3, 123, 'a'],
  ['all', 0, 1e-3, 124, 'a'],
  ['all', 0, 1e-3, 125, 'a'],
  ['all', 0, 3e-3, 123, 'b'],
  ['all', 0, 3e-3, 124, 'b'],
  ['all', 0, 3e-3, 125, 'b'],
  ['all', 0, 1e-3, 123, 'a'],
  ['all', 0.1, 1e-3, 123, 'c'],
  ['head+norm', 0, 1e-3, 123, 'd'],
  ['head+norm', 0.1, 1e-3, 123, 'e'],
  ['last-1', 0, 1e-3, 123, 'f'],
  ['last-1', 0.1, 1e-3, 123, 'g'],
];
const runs = spec.map(([, dropout, , , group], i) => ({
  id: i + 1,
  group,
  accuracy: { train: 0.9, val: 0.8 - dropout, test: 0.7 },
  gap: { trainVal: 0.1 + dropout + i / 1000, trainTest: 0.2 },
  intervals: null,
  gapIntervals: null,
}));
const differences = [
  { field: 'trainable', values: spec.map((s) => s[0]) },
  { field: 'dropout', values: spec.map((s) => s[1]) },
  { field: 'learningRate', values: spec.map((s) => s[2]) },
  { field: 'seed', values: spec.map((s) => s[3]) },
  { field: 'splitSeed', values: spec.map((_, i) => (i < 6 ? 123 : null)) },
];
const figures = { train: 0.9, val: 0.8, test: 0.7, trainVal: 0.1015, trainTest: 0.2 };
const groups: GroupSummary[] = [
  {
    key: 'a',
    name: 'all · dropout 0 · lr 0.001',
    runs: [1, 2, 3, 7],
    n: 4,
    mean: figures,
    sd: figures,
    interval: { train: [0.8, 1], val: [0.7, 0.9], test: [0.6, 0.8], trainVal: [0.05, 0.15], trainTest: [0.1, 0.3] },
  },
];
const all = () => true;

describe('effect chart', () => {
  it('offers the varied settings but the seeds, dropout on x and trainable as lines by default', () => {
    expect(effectFields(differences)).toEqual(['trainable', 'dropout', 'learningRate']);
    expect(defaultAxes(differences)).toEqual({ x: 'dropout', line: 'trainable' });
    expect(defaultHeld(differences, ['learningRate'])).toEqual({ learningRate: valueKey(1e-3) });
  });

  it('draws one point per dropout on each of the three trainable lines, the repeated cell as its group', () => {
    const data = effectData(runs, differences, groups, all, {
      x: 'dropout',
      line: 'trainable',
      figure: 'trainVal',
      held: { learningRate: valueKey(1e-3) },
    });
    expect(data.xValues).toEqual([0, 0.1]);
    expect(data.lines.map((l) => l.value)).toEqual(['all', 'head+norm', 'last-1']);
    expect(data.lines.map((l) => l.points.filter(Boolean).length)).toEqual([2, 2, 2]);
    expect(data.lines[0].points[0]).toEqual({ y: 0.1015, interval: [0.05, 0.15], runs: [1, 2, 3, 7], from: 'group' });
    expect(data.lines[1].points[1]).toEqual({ y: 0.1 + 0.1 + 9 / 1000, interval: null, runs: [10], from: 'run' });
    expect(data.heldOut).toEqual([4, 5, 6]);
  });

  it('averages a group that is partly hidden, without an interval, and leaves hidden runs out', () => {
    const data = effectData(runs, differences, groups, (id) => id !== 2 && id !== 12, {
      x: 'dropout',
      line: 'trainable',
      figure: 'trainVal',
      held: { learningRate: valueKey(1e-3) },
    });
    const cell = data.lines[0].points[0]!;
    expect(cell.from).toBe('runs');
    expect(cell.interval).toBeNull();
    // Runs 1, 3 and 7 of the group: 0.100, 0.102 and 0.106.
    expect(cell.runs).toEqual([1, 3, 7]);
    expect(cell.y).toBeCloseTo((0.1 + 0.102 + 0.106) / 3, 10);
    expect(data.lines[2].points).toEqual([expect.objectContaining({ runs: [11] }), null]);
  });

  it('draws one line of every run without a line setting, and skips runs without the figure', () => {
    const unfinished = runs.map((r, i) => (i === 7 ? { ...r, accuracy: null, gap: null } : r));
    const data = effectData(unfinished, differences, groups, all, { x: 'learningRate', line: null, figure: 'val', held: {} });
    expect(data.xValues).toEqual([1e-3, 3e-3]);
    expect(data.lines).toHaveLength(1);
    expect(data.used).toHaveLength(11);
  });
});
