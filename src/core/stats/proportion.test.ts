import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../../test/support/fuzz.js';
import { newcombeDifference, wilsonInterval, zFor } from './proportion.js';

/*
 * Expected numbers were worked out with Debian's statsmodels 0.13.5 and pasted here; each table
 * says the Python call. Agreement is to 1e-12 (toBeCloseTo(_, 12)); the published figures, given to
 * 4 decimals, to their last digit (toBeCloseTo(_, 4)).
 */

function expectInterval(actual: [number, number], expected: [number, number], digits: number): void {
  expect(actual[0]).toBeCloseTo(expected[0], digits);
  expect(actual[1]).toBeCloseTo(expected[1], digits);
}

describe('zFor', () => {
  it('is the two-sided normal quantile', () => {
    // scipy.stats.norm.ppf(0.975)
    expect(zFor(0.95)).toBeCloseTo(1.959963984540054, 14);
  });
});

describe('wilsonInterval', () => {
  // proportion_confint(x, n, alpha=0.05, method="wilson")
  const statsmodels: [number, number, number, number][] = [
    [81, 263, 0.2552885198782742, 0.36620957698280004],
    [15, 148, 0.06238639953073628, 0.16048724172330803],
    [0, 20, 0.0, 0.1611251580528194],
    [1, 29, 0.006113214292762667, 0.17175521879320294],
    [29, 29, 0.8830302015002592, 1.0],
    [0, 1, 0.0, 0.7934506856227627],
    [1, 1, 0.2065493143772374, 1.0],
    [5, 10, 0.23659309051256394, 0.7634069094874361],
    [137, 149, 0.8645097721380501, 0.9533311524676464],
    [1, 2, 0.09453120573423068, 0.9054687942657693],
  ];
  it.each(statsmodels)('%i/%i matches statsmodels', (x, n, lo, hi) => {
    expectInterval(wilsonInterval(x, n), [lo, hi], 12);
  });

  // Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of
  // seven methods", Statistics in Medicine 17:857–872, Table I, method 3 (score, no continuity
  // correction). Figures as recalled; statsmodels (above) agrees with every one to 4 decimals.
  const newcombe1998: [number, number, number, number][] = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  it.each(newcombe1998)('%i/%i matches Newcombe 1998 Table I', (x, n, lo, hi) => {
    expectInterval(wilsonInterval(x, n), [lo, hi], 4);
  });

  it('is exactly 0 at 0/n and exactly 1 at n/n', () => {
    expect(wilsonInterval(0, 20)[0]).toBe(0);
    expect(wilsonInterval(29, 29)[1]).toBe(1);
  });

  it('takes another confidence level', () => {
    // proportion_confint(81, 263, alpha=0.01, method="wilson")
    expectInterval(wilsonInterval(81, 263, 0.99), [0.24013690268760773, 0.38528250231822986], 12);
  });

  it('says nothing about an empty sample', () => {
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });

  it('refuses counts that are not counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(/exceed/);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(NaN, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 95)).toThrow(/confidence/);
  });

  const successesOutOf = fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));

  it('contains x/n and lies in [0, 1]', () => {
    fc.assert(
      fc.property(successesOutOf, ([x, n]) => {
        const [lo, hi] = wilsonInterval(x, n);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(x / n);
        expect(hi).toBeGreaterThanOrEqual(x / n);
      }),
      { numRuns: runs(500) },
    );
  });

  it('narrows as n grows at the same proportion (x·k out of n·k, k = 1..10)', () => {
    fc.assert(
      fc.property(successesOutOf, ([x, n]) => {
        let previous = Infinity;
        for (let k = 1; k <= 10; k++) {
          const [lo, hi] = wilsonInterval(x * k, n * k);
          expect(hi - lo).toBeLessThanOrEqual(previous);
          previous = hi - lo;
        }
      }),
      { numRuns: runs(300) },
    );
  });
});

describe('newcombeDifference', () => {
  // confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=0.05)
  const statsmodels: [number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.05243147240236498, 0.33387265403690614],
    [9, 10, 3, 10, 0.1705227239345029, 0.809017973535488],
    [6, 7, 2, 7, 0.05822792748231209, 0.8062496375242278],
    [5, 56, 0, 29, -0.038137147903536936, 0.19256001385511165],
    [0, 10, 0, 20, -0.1611251580528194, 0.27753279986288926],
    [0, 10, 0, 10, -0.27753279986288926, 0.27753279986288926],
    [10, 10, 0, 20, 0.6790860371419145, 1.0],
    [10, 10, 0, 10, 0.6075093504305241, 1.0],
    [145, 149, 140, 149, -0.015558921596234399, 0.0865448404393176],
    [3, 5, 7, 9, -0.5798283206833076, 0.25290283291847376],
  ];
  it.each(statsmodels)('%i/%i − %i/%i matches statsmodels', (x1, n1, x2, n2, lo, hi) => {
    expectInterval(newcombeDifference(x1, n1, x2, n2), [lo, hi], 12);
  });

  // Newcombe (1998), "Interval estimation for the difference between independent proportions:
  // comparison of eleven methods", Statistics in Medicine 17:873–890, Table II, method 10. The
  // figures as recalled agree with statsmodels (above) to 4 decimals in all eight examples.
  const newcombe1998: [string, number, number, number, number, number, number][] = [
    ['a', 56, 70, 48, 80, 0.0524, 0.3339],
    ['b', 9, 10, 3, 10, 0.1705, 0.809],
    ['c', 6, 7, 2, 7, 0.0582, 0.8062],
    ['d', 5, 56, 0, 29, -0.0381, 0.1926],
    ['e', 0, 10, 0, 20, -0.1611, 0.2775],
    ['f', 0, 10, 0, 10, -0.2775, 0.2775],
    ['g', 10, 10, 0, 20, 0.6791, 1.0],
    ['h', 10, 10, 0, 10, 0.6075, 1.0],
  ];
  it.each(newcombe1998)('example (%s) %i/%i − %i/%i matches Newcombe 1998 Table II', (_, x1, n1, x2, n2, lo, hi) => {
    expectInterval(newcombeDifference(x1, n1, x2, n2), [lo, hi], 4);
  });

  it('takes another confidence level', () => {
    // confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff", alpha=0.01)
    expectInterval(newcombeDifference(56, 70, 48, 80, 0.99), [0.005370869250078403, 0.3718084317757736], 12);
  });

  it('says nothing when either sample is empty', () => {
    expect(newcombeDifference(0, 0, 3, 10)).toEqual([-1, 1]);
    expect(newcombeDifference(3, 10, 0, 0)).toEqual([-1, 1]);
  });

  it('refuses counts that are not counts', () => {
    expect(() => newcombeDifference(11, 10, 3, 10)).toThrow(/successes1/);
    expect(() => newcombeDifference(1, 10, 3, -10)).toThrow(/n2/);
  });

  const sample = fc.integer({ min: 1, max: 2000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));

  it('contains p1 − p2, lies in [−1, 1], and flips sign when the groups swap', () => {
    fc.assert(
      fc.property(sample, sample, ([x1, n1], [x2, n2]) => {
        const [lo, hi] = newcombeDifference(x1, n1, x2, n2);
        const d = x1 / n1 - x2 / n2;
        expect(lo).toBeGreaterThanOrEqual(-1);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(d);
        expect(hi).toBeGreaterThanOrEqual(d);
        const [swappedLo, swappedHi] = newcombeDifference(x2, n2, x1, n1);
        expect(swappedLo).toBeCloseTo(-hi, 12);
        expect(swappedHi).toBeCloseTo(-lo, 12);
      }),
      { numRuns: runs(500) },
    );
  });
});
