import { describe, expect, it } from 'vitest';
import { sortByGap } from './gaps.js';

const run = (id: number, trainVal: number | null, trainTest = 0) => ({ id, gap: trainVal === null ? null : { trainVal, trainTest } });

describe('sortByGap', () => {
  const runs = [run(1, 0.01, 0.05), run(2, null), run(3, 0.04, -0.01), run(4, -0.02, 0.02), run(5, 0.04, 0)];

  it('puts the largest gap first, unfinished runs last', () => {
    expect(sortByGap(runs, 'trainVal').map((r) => r.id)).toEqual([3, 5, 1, 4, 2]);
    expect(sortByGap(runs, 'trainTest').map((r) => r.id)).toEqual([1, 4, 5, 3, 2]);
  });

  it('sorts ascending on request and leaves the input alone', () => {
    expect(sortByGap(runs, 'trainVal', 'asc').map((r) => r.id)).toEqual([4, 1, 3, 5, 2]);
    expect(runs.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  });
});
