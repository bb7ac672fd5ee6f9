import { describe, expect, it } from 'vitest';
import { SMS_SPAM_COLLECTION, sharedPath } from '../../../test/support/shared.js';
import { importDatasetFile } from './dataset.js';
import { balanceLabels, cutSplits, dedupeTexts, findLeaks, splitRows, stratifiedCut, type SplitName } from './split.js';
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

describe('the stratified split', () => {
  const counts = (rows: readonly LabeledRow[]) => {
    const out: Record<string, number> = {};
    for (const r of rows) out[r.label] = (out[r.label] ?? 0) + 1;
    return out;
  };
  // The file: 150 rows of 3 classes, whose book cut gave a validation set of ham 2 / promo 5 / spam 6.
  const threeClasses = Array.from({ length: 150 }, (_, i) => row(`message ${i}`, ['ham', 'promo', 'spam'][i % 3], i + 2));

  it('cuts each label by cumulative floors, keeping the shuffled order', () => {
    const rows = [...'abcdefghij'].map((t, i) => row(t, i < 6 ? 'x' : 'y', i + 1)); // 6 x, 4 y
    const { train, val, test } = stratifiedCut(rows, { train: 0.5, val: 0.25, test: 0.25 });
    // x: ⌊0.5·6⌋ = 3 to train, ⌊0.75·6⌋ = 4 → 1 to val, 2 to test; y: 2, ⌊0.75·4⌋ = 3 → 1, 1
    expect(train.map((r) => r.text).join('')).toBe('abcgh');
    expect(val.map((r) => r.text).join('')).toBe('di');
    expect(test.map((r) => r.text).join('')).toBe('efj');
  });

  it('does not floor 0.7 + 0.1 of 10 rows to 7 (floating point)', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(String(i), 'x', i + 1));
    expect(Object.values(stratifiedCut(rows, { train: 0.7, val: 0.1, test: 0.2 })).map((s) => s.length)).toEqual([7, 1, 2]);
  });

  it('gives every split each label within one row of its exact share, where the book cut does not', () => {
    const fractions = { train: 0.7, val: 0.1, test: 0.2 };
    const book = splitRows(threeClasses, { balance: false });
    expect(counts(book.val)).not.toEqual({ ham: 5, promo: 5, spam: 5 });
    for (const seed of [123, 1, 2, 3]) {
      const splits = splitRows(threeClasses, { balance: false, stratify: true, seed });
      for (const name of ['train', 'val', 'test'] as SplitName[]) {
        for (const [, n] of Object.entries(counts(splits[name]))) expect(Math.abs(n - fractions[name] * 50)).toBeLessThanOrEqual(1);
      }
      expect(counts(splits.val)).toEqual({ ham: 5, promo: 5, spam: 5 });
      // Labels are mixed within each split, not one block after another.
      expect(new Set(splits.train.slice(0, 12).map((r) => r.label)).size).toBe(3);
    }
  });

  it('holds unequal classes to their shares too, and keeps every row once', () => {
    const rows = Array.from({ length: 103 }, (_, i) => row(`m${i}`, i < 80 ? 'ham' : i < 97 ? 'spam' : 'rare', i + 1));
    const splits = splitRows(rows, { balance: false, stratify: true, fractions: { train: 0.6, val: 0.2, test: 0.2 } });
    const all = [...splits.train, ...splits.val, ...splits.test];
    expect(new Set(all.map((r) => r.line)).size).toBe(103);
    expect(counts(splits.val)).toEqual({ ham: 16, spam: 3, rare: 1 });
    expect(counts(splits.train)).toEqual({ ham: 48, spam: 10, rare: 3 });
    expect(counts(splits.test)).toEqual({ ham: 16, spam: 4, rare: 2 });
  });

  it('is off by default, so the book split is unchanged', async () => {
    const { rows } = await importDatasetFile(sharedPath(SMS_SPAM_COLLECTION));
    const lines = (s: ReturnType<typeof splitRows>) => [s.train, s.val, s.test].map((x) => x.map((r) => r.line));
    expect(lines(splitRows(rows))).toEqual(lines(splitRows(rows, { stratify: false })));
    const stratified = splitRows(rows, { stratify: true });
    // The same 1,494 balanced messages, shuffled by the same draw; the balanced set is cut alike per class.
    // Each class of 747: ⌊0.7·747⌋ = 522 to train, ⌊0.8·747⌋ − 522 = 75 to val, 150 to test.
    expect([stratified.train.length, stratified.val.length, stratified.test.length]).toEqual([1044, 150, 300]);
    expect(counts(stratified.val)).toEqual({ ham: 75, spam: 75 });
    expect(new Set(stratified.train.concat(stratified.val, stratified.test).map((r) => r.line))).toEqual(
      new Set(
        splitRows(rows)
          .train.concat(splitRows(rows).val, splitRows(rows).test)
          .map((r) => r.line),
      ),
    );
  });
});
