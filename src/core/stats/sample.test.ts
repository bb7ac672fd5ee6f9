import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../../test/support/fuzz.js';
import { meanSd, tInterval, welchTest } from './sample.js';

/*
 * Expected numbers from numpy/scipy 1.10 (Debian), pasted here. Five and four seed repeats of a
 * test accuracy, the kind of list these functions get.
 */
const A = [0.9721, 0.9685, 0.9745, 0.9702, 0.9731];
const B = [0.9598, 0.9664, 0.9531, 0.962];

describe('meanSd', () => {
  it('matches numpy', () => {
    // np.mean(A), np.std(A, ddof=1)
    const { n, mean, sd } = meanSd(A);
    expect(n).toBe(5);
    expect(mean).toBeCloseTo(0.9716799999999999, 14);
    expect(sd).toBeCloseTo(0.0023689660191737673, 14);
    // [1, 2, 3, 4, 5]: mean 3, squared deviations 4 + 1 + 0 + 1 + 4 = 10, sd = √(10/4) = 1.5811…
    expect(meanSd([1, 2, 3, 4, 5])).toEqual({ n: 5, mean: 3, sd: Math.sqrt(2.5) });
  });

  it('has no sd for one value and no mean for none', () => {
    expect(meanSd([0.97])).toEqual({ n: 1, mean: 0.97, sd: null });
    expect(() => meanSd([])).toThrow(/at least one/);
    expect(() => meanSd([1, NaN])).toThrow(/values\[1\]/);
  });
});

describe('tInterval', () => {
  // scipy.stats.t.interval(confidence, n - 1, loc=np.mean(v), scale=np.std(v, ddof=1) / np.sqrt(n))
  const scipy: [string, number[], number, number, number][] = [
    ['A', A, 0.95, 0.9687385401810237, 0.9746214598189761],
    ['B', B, 0.95, 0.9515042303526717, 0.9691457696473285],
    ['1..5', [1, 2, 3, 4, 5], 0.95, 1.036756838522439, 4.9632431614775605],
    ['two values', [2.5, 3.5], 0.95, -3.3531023682160477, 9.353102368216048],
    ['A at 99%', A, 0.99, 0.9668022662239312, 0.9765577337760686],
  ];
  // To 1e-9 rather than 1e-12: scipy 1.10's t.ppf is itself off by ~1e-10 at df 1 and 2 (below).
  it.each(scipy)('%s matches scipy', (_, values, confidence, lo, hi) => {
    const interval = tInterval(values, confidence);
    expect(interval).not.toBeNull();
    expect(interval![0]).toBeCloseTo(lo, 9);
    expect(interval![1]).toBeCloseTo(hi, 9);
  });

  it('uses the exact t quantile where it has a closed form', () => {
    // df 1 (Cauchy): t_0.975 = tan(0.475π) = 12.70620473617470…; scipy's t.ppf(0.975, 1) says
    // 12.706204736432095, 2.6e-10 high. [2.5, 3.5]: mean 3, sd/√n = (1/√2)/√2 = ½.
    const half1 = Math.tan(0.475 * Math.PI) / 2;
    expect(tInterval([2.5, 3.5])![0]).toBeCloseTo(3 - half1, 13);
    expect(tInterval([2.5, 3.5])![1]).toBeCloseTo(3 + half1, 13);
    // df 2: t_p = (2p − 1)/√(2p(1 − p)) = 0.95/√0.04875 = 4.30265272974946…; scipy says 4.302652729911275.
    // [1, 2, 3]: mean 2, sd 1, sd/√n = 1/√3.
    const half2 = 0.95 / Math.sqrt(0.04875) / Math.sqrt(3);
    expect(tInterval([1, 2, 3])![0]).toBeCloseTo(2 - half2, 13);
    expect(tInterval([1, 2, 3])![1]).toBeCloseTo(2 + half2, 13);
  });

  it('is null under two values and a point for constant values', () => {
    expect(tInterval([])).toBeNull();
    expect(tInterval([0.97])).toBeNull();
    expect(tInterval([0.5, 0.5, 0.5])).toEqual([0.5, 0.5]);
  });

  it('contains the mean', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 20 }), (values) => {
        const [lo, hi] = tInterval(values)!;
        const { mean } = meanSd(values);
        expect(lo).toBeLessThanOrEqual(mean);
        expect(hi).toBeGreaterThanOrEqual(mean);
      }),
      { numRuns: runs(300) },
    );
  });
});

describe('welchTest', () => {
  // t, p: scipy.stats.ttest_ind(a, b, equal_var=False); df (scipy 1.10 does not return it) by
  // Welch–Satterthwaite in numpy: va, vb = np.var(a, ddof=1)/len(a), np.var(b, ddof=1)/len(b);
  // (va + vb)**2 / (va**2/(len(a) - 1) + vb**2/(len(b) - 1))
  const scipy: [string, number[], number[], number, number, number][] = [
    ['A vs B', A, B, 3.8267497508457056, 3.878557642736664, 0.019764780418425762],
    ['1..5 vs 2..12', [1, 2, 3, 4, 5], [2, 4, 6, 8, 10, 12], -2.3763541031440183, 6.9722557297949335, 0.04928433820673049],
    ['two and two', [0.1, 0.2], [0.3, 0.4], -2.828427124746189, 2.0, 0.10557280900008419],
    // one constant sample: df falls to n1 − 1 = 4
    ['against a constant', [1, 2, 3, 4, 5], [7, 7, 7], -5.65685424949238, 4, 0.004812678330044227],
  ];
  it.each(scipy)('%s matches scipy', (_, a, b, t, df, p) => {
    const result = welchTest(a, b);
    expect(result.t).toBeCloseTo(t, 10);
    expect(result.df).toBeCloseTo(df, 10);
    expect(result.p).toBeCloseTo(p, 12);
  });

  it('is antisymmetric in its samples', () => {
    const forward = welchTest(A, B);
    const backward = welchTest(B, A);
    expect(backward.t).toBe(-forward.t);
    expect(backward.df).toBe(forward.df);
    expect(backward.p).toBe(forward.p);
  });

  it('answers both-constant samples instead of NaN', () => {
    // scipy: nan, nan
    expect(welchTest([0.5, 0.5, 0.5], [0.5, 0.5])).toEqual({ t: 0, df: 3, p: 1 });
    expect(welchTest([0.6, 0.6], [0.5, 0.5])).toEqual({ t: Infinity, df: 2, p: 0 });
    expect(welchTest([0.5, 0.5], [0.6, 0.6])).toEqual({ t: -Infinity, df: 2, p: 0 });
  });

  it('needs two values in each sample', () => {
    expect(() => welchTest([1], [1, 2])).toThrow(/at least 2 values in each sample, got 1 and 2/);
    expect(() => welchTest([1, 2], [])).toThrow(/got 2 and 0/);
    expect(() => welchTest([1, 2], [1, Infinity])).toThrow(/b\[1\]/);
  });
});
