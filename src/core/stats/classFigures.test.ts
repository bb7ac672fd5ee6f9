import { describe, expect, it } from 'vitest';
import { macroF1, perClassFigures } from './classFigures.js';

/* sklearn is not installed here: the expected figures are worked by hand, as sklearn defines them. */

describe('perClassFigures and macroF1', () => {
  it('scores a 2×2 ham/spam matrix', () => {
    // rows true, columns predicted:   ham  spam
    //                      true ham   140     5    support 145
    //                      true spam    3    20    support  23
    // ham:  precision 140/143, recall 140/145, f1 = 2·140/(2·140 + 3 + 5) = 280/288 = 35/36
    // spam: precision 20/25 = 0.8, recall 20/23, f1 = 2·20/(2·20 + 5 + 3) = 40/48 = 5/6
    // macro f1 = (35/36 + 30/36)/2 = 65/72
    const confusion = [
      [140, 5],
      [3, 20],
    ];
    const figures = perClassFigures(confusion, ['ham', 'spam']);
    expect(figures.ham.precision).toBeCloseTo(140 / 143, 15);
    expect(figures.ham.recall).toBeCloseTo(140 / 145, 15);
    expect(figures.ham.f1).toBeCloseTo(35 / 36, 15);
    expect(figures.ham.support).toBe(145);
    expect(figures.spam).toEqual({ precision: 0.8, recall: expect.closeTo(20 / 23, 15), f1: expect.closeTo(5 / 6, 15), support: 23 });
    expect(macroF1(confusion)).toBeCloseTo(65 / 72, 15);
  });

  it('matches sklearn’s documented 3-class example', () => {
    // sklearn's f1_score docs: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1],
    // average="macro" → 0.26…, precision_score macro → 0.22…, recall_score macro → 0.33…
    // confusion: true 0 → [2, 0, 0]; true 1 → [1, 0, 1]; true 2 → [0, 2, 0]
    // class 0: precision 2/3, recall 2/2 = 1, f1 = 4/(4 + 1 + 0) = 0.8
    // class 1: tp 0, predicted 2, support 2 → precision 0, recall 0, f1 0
    // class 2: tp 0, predicted 1, support 2 → precision 0, recall 0, f1 0
    // macro f1 = 0.8/3 = 0.2666…
    const confusion = [
      [2, 0, 0],
      [1, 0, 1],
      [0, 2, 0],
    ];
    const figures = perClassFigures(confusion, ['0', '1', '2']);
    expect(figures['0']).toEqual({ precision: expect.closeTo(2 / 3, 15), recall: 1, f1: expect.closeTo(0.8, 15), support: 2 });
    expect(figures['1']).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(figures['2']).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(macroF1(confusion)).toBeCloseTo(0.8 / 3, 15);
  });

  it('gives null, not 0, for a class never predicted or never true (zero_division=0 for f1)', () => {
    //                a  b  c
    //      true a    4  0  1    support 5
    //      true b    2  0  1    support 3
    //      true c    0  0  0    support 0
    // a: tp 4, predicted 6 → precision 2/3, recall 4/5, f1 = 8/(8 + 2 + 1) = 8/11
    // b: never predicted → precision null; recall 0/3 = 0; f1 0
    // c: predicted twice, never right → precision 0; no true c → recall null; f1 0
    // macro over a, b, c (c occurs as a prediction) = (8/11)/3 = 8/33
    const confusion = [
      [4, 0, 1],
      [2, 0, 1],
      [0, 0, 0],
    ];
    const figures = perClassFigures(confusion, ['a', 'b', 'c']);
    expect(figures.a).toEqual({ precision: expect.closeTo(2 / 3, 15), recall: 0.8, f1: expect.closeTo(8 / 11, 15), support: 5 });
    expect(figures.b).toEqual({ precision: null, recall: 0, f1: 0, support: 3 });
    expect(figures.c).toEqual({ precision: 0, recall: null, f1: 0, support: 0 });
    expect(macroF1(confusion)).toBeCloseTo(8 / 33, 15);
  });

  it('leaves a class that occurs nowhere out of the macro average', () => {
    //           a  b  c
    //  true a   3  1  0   a: f1 = 6/(6 + 1 + 1) = 0.75
    //  true b   1  2  0   b: f1 = 4/(4 + 1 + 1) = 2/3
    //  true c   0  0  0   c: neither true nor predicted → not counted (sklearn sees only labels present)
    // macro = (3/4 + 2/3)/2 = 17/24, not (3/4 + 2/3 + 0)/3
    const confusion = [
      [3, 1, 0],
      [1, 2, 0],
      [0, 0, 0],
    ];
    expect(perClassFigures(confusion, ['a', 'b', 'c']).c).toEqual({ precision: null, recall: null, f1: 0, support: 0 });
    expect(macroF1(confusion)).toBeCloseTo(17 / 24, 15);
    expect(
      macroF1([
        [0, 0],
        [0, 0],
      ]),
    ).toBe(0);
    expect(macroF1([[7]])).toBe(1);
  });

  it('refuses a malformed matrix or labels', () => {
    expect(() => macroF1([[1, 2], [3]])).toThrow(/square/);
    expect(() =>
      macroF1([
        [1, -2],
        [3, 4],
      ]),
    ).toThrow(/confusion\[0\]\[1\]/);
    expect(() =>
      perClassFigures(
        [
          [1, 2],
          [3, 4],
        ],
        ['ham'],
      ),
    ).toThrow(/1 labels for a 2×2/);
    expect(() =>
      perClassFigures(
        [
          [1, 2],
          [3, 4],
        ],
        ['ham', 'ham'],
      ),
    ).toThrow(/repeat/);
  });
});
