import { describe, expect, it } from 'vitest';
import { SMS_SPAM_COLLECTION, sharedPath } from '../../../test/support/shared.js';
import { importDatasetFile } from './dataset.js';
import { balanceLabels, cutSplits, dedupeTexts, findLeaks, splitRows } from './split.js';
import type { LabeledRow } from './validation.js';

const row = (text: string, label: string, line: number): LabeledRow => ({ text, label, line });

describe('cutSplits', () => {
  it("cuts the book's way: train ⌊0.7·n⌋, val ⌊0.1·n⌋, test the rest", () => {
    const sizes = (n: number) =>
      Object.values(cutSplits(Array.from({ length: n }), { train: 0.7, val: 0.1, test: 0.2 })).map((s) => s.length);
    expect(sizes(1494)).toEqual([1045, 149, 300]);
    expect(sizes(10)).toEqual([7, 1, 2]);
    expect(sizes(3)).toEqual([2, 0, 1]);
  });

  it('refuses fractions that do not add up to 1', () => {
    expect(() => cutSplits([], { train: 0.8, val: 0.1, test: 0.2 })).toThrow(
      'split fractions must be ≥ 0 and add up to 1 (got 0.8 / 0.1 / 0.2)',
    );
    expect(() => cutSplits([], { train: 1.1, val: -0.1, test: 0 })).toThrow(/must be ≥ 0/);
  });
});

describe('balanceLabels', () => {
  it("undersamples every label to the smallest count as pandas' sample does, classes in label order", () => {
    const rows = [...'abcdefgh'].map((t, i) => row(t, i < 2 ? 'spam' : i < 5 ? 'ham' : 'eggs', i + 1));
    const balanced = balanceLabels(rows, 3);
    expect(balanced.map((r) => r.label)).toEqual(['eggs', 'eggs', 'ham', 'ham', 'spam', 'spam']);
    // larger classes: RandomState(3).permutation(3)[:2] = [1, 0] (NumPy); the smallest keeps file order
    expect(balanced.map((r) => r.line)).toEqual([7, 6, 4, 3, 1, 2]);
  });
});

describe('dedupeTexts and findLeaks', () => {
  it('keeps the first row of each text', () => {
    expect(dedupeTexts([row('a', 'x', 1), row('b', 'x', 2), row('a', 'x', 3)]).map((r) => r.line)).toEqual([1, 2]);
  });

  it('reports texts found in more than one split, with all their lines', () => {
    const leaks = findLeaks({
      train: [row('a', 'x', 4), row('b', 'x', 2)],
      val: [row('a', 'x', 1)],
      test: [row('b', 'x', 3), row('a', 'x', 9)],
    });
    expect(leaks).toEqual([
      { text: 'a', splits: ['train', 'val', 'test'], lines: [1, 4, 9] },
      { text: 'b', splits: ['train', 'test'], lines: [2, 3] },
    ]);
  });
});

describe('splitRows on the real SMS Spam Collection', async () => {
  const { rows } = await importDatasetFile(sharedPath(SMS_SPAM_COLLECTION));

  it("gives the book's balanced 1,045 / 149 / 300 split, each class 747 in all", () => {
    const splits = splitRows(rows);
    expect([splits.train.length, splits.val.length, splits.test.length]).toEqual([1045, 149, 300]);
    const all = [...splits.train, ...splits.val, ...splits.test];
    expect(all.filter((r) => r.label === 'spam')).toHaveLength(747);
    expect(all.filter((r) => r.label === 'ham')).toHaveLength(747);
    expect(new Set(all.map((r) => r.line)).size).toBe(1494);
    // Spam repeats itself: without de-duplication some texts land in two splits.
    expect(splits.leaks.length).toBeGreaterThan(0);
  });

  it('is the same for the same seed and different for another', () => {
    const lines = (seed: number) => splitRows(rows, { seed }).test.map((r) => r.line);
    expect(lines(123)).toEqual(lines(123));
    expect(lines(124)).not.toEqual(lines(123));
  });

  it('leaks nothing after de-duplication (5,169 distinct texts, 653 of them spam)', () => {
    const splits = splitRows(rows, { dedupe: true });
    expect(splits.leaks).toEqual([]);
    expect(splits.train.length + splits.val.length + splits.test.length).toBe(2 * 653);
    expect(splitRows(rows, { dedupe: true, balance: false }).test).toHaveLength(5169 - Math.floor(5169 * 0.7) - Math.floor(5169 * 0.1));
  });

  it('keeps every row without balancing, with other fractions', () => {
    const splits = splitRows(rows, { balance: false, fractions: { train: 0.8, val: 0.1, test: 0.1 } });
    expect([splits.train.length, splits.val.length, splits.test.length]).toEqual([4459, 557, 558]);
  });
});
