import { describe, expect, it } from 'vitest';
import type { PairTest, RunErrors } from '../../common/api.js';
import { filterMistakes, groupsWithRepeats, orderPairs, planGroups } from './comparison.js';

describe('planGroups', () => {
  it('numbers groups by first appearance and marks where each starts', () => {
    const rows = planGroups([{ group: 'gb' }, { group: 'gb' }, { group: 'ga' }, { group: 'ga' }, { group: 'gb' }]);
    expect(rows.map((r) => r.group)).toEqual([1, 1, 2, 2, 1]);
    expect(rows.map((r) => r.size)).toEqual([3, 3, 2, 2, 3]);
    expect(rows.map((r) => r.first)).toEqual([true, false, true, false, true]);
  });
  it('is empty for an empty plan', () => {
    expect(planGroups([])).toEqual([]);
  });
});

describe('groupsWithRepeats', () => {
  it('keeps groups of two or more runs', () => {
    const group = (key: string, n: number) => ({ key, n }) as Parameters<typeof groupsWithRepeats>[0][number];
    expect(groupsWithRepeats([group('a', 1), group('b', 2), group('c', 5)]).map((g) => g.key)).toEqual(['b', 'c']);
  });
});

describe('orderPairs', () => {
  const pair = (a: number, b: number, pHolm: number): PairTest => ({
    a,
    b,
    aOnlyRight: 0,
    bOnlyRight: 0,
    p: pHolm,
    pHolm,
    distinguishable: pHolm < 0.05,
  });
  it('puts the pairs that differ beyond chance first, then the smallest p', () => {
    const ordered = orderPairs([pair(1, 2, 0.5), pair(1, 3, 0.01), pair(2, 3, 0.2), pair(3, 4, 0.001)]);
    expect(ordered.map((p) => `${p.a}-${p.b}`)).toEqual(['3-4', '1-3', '2-3', '1-2']);
  });
});

describe('filterMistakes', () => {
  const errors: RunErrors['errors'] = [
    { index: 4, text: 'a', label: 'spam', predicted: 'ham', confidence: 0.9 },
    { index: 1, text: 'b', label: 'ham', predicted: 'spam', confidence: 0.8 },
    { index: 7, text: 'c', label: 'spam', predicted: 'ham', confidence: 0.6 },
  ];
  it('filters by true label, predicted label, both or neither, keeping the order', () => {
    expect(filterMistakes(errors, '', '').map((e) => e.index)).toEqual([4, 1, 7]);
    expect(filterMistakes(errors, 'spam', '').map((e) => e.index)).toEqual([4, 7]);
    expect(filterMistakes(errors, '', 'spam').map((e) => e.index)).toEqual([1]);
    expect(filterMistakes(errors, 'ham', 'ham')).toEqual([]);
  });
});
