import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../../test/support/fuzz.js';
import { mcnemarExact } from './mcnemar.js';

/* Expected p-values: statsmodels 0.13.5, `mcnemar([[a, b], [c, d]], exact=True).pvalue`, pasted here. */

describe('mcnemarExact', () => {
  it('matches Agresti’s prime-minister approval example', () => {
    // Agresti, Categorical Data Analysis (2nd ed., 2002), Table 10.1: approval of the Prime Minister
    // in two surveys of the same 1600 people, [[794, 150], [86, 570]]. Agresti gives the large-sample
    // z = (86 − 150)/√236 = −4.17; the exact test: mcnemar([[794, 150], [86, 570]], exact=True).pvalue
    expect(mcnemarExact(150, 86)).toBeCloseTo(3.715936139571387e-5, 17);
  });

  it('matches small cases worked by hand', () => {
    // b + c = 9, min 1: 2·(C(9,0) + C(9,1))/2⁹ = 2·10/512 = 0.0390625
    expect(mcnemarExact(1, 8)).toBe(0.0390625);
    // b + c = 14, min 2: 2·(1 + 14 + 91)/2¹⁴ = 212/16384 = 0.012939453125
    expect(mcnemarExact(12, 2)).toBe(0.012939453125);
    // b + c = 5, min 0: 2/2⁵ = 0.0625 — five disagreements all one way is not yet beyond chance
    expect(mcnemarExact(0, 5)).toBe(0.0625);
    // b + c = 1: 2·½ = 1
    expect(mcnemarExact(1, 0)).toBe(1);
    // b = c: the tail holds at least half, so p caps at 1
    expect(mcnemarExact(3, 3)).toBe(1);
  });

  it('is 1 when the two never disagree', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
  });

  it('matches statsmodels on more cases', () => {
    // mcnemar([[101, 121], [59, 33]], exact=True).pvalue
    expect(mcnemarExact(121, 59)).toBeCloseTo(4.4344492637551645e-6, 18);
    // mcnemar([[0, 1000], [1100, 0]], exact=True).pvalue
    expect(mcnemarExact(1000, 1100)).toBeCloseTo(0.030720707864242486, 12);
  });

  it('stays accurate at 100,000 disagreements', () => {
    // mcnemar([[0, b], [c, 0]], exact=True).pvalue; relative error here ~2e-13
    const cases: [number, number, number][] = [
      [49500, 50500, 0.0015823598788515165],
      [49000, 51000, 2.588716038346895e-10],
      [50000, 50000, 1.0],
    ];
    for (const [b, c, p] of cases) expect(Math.abs(mcnemarExact(b, c) - p) / p).toBeLessThan(1e-9);
    // 2·2⁻¹⁰⁰⁰⁰⁰ is below the smallest double: 0, as statsmodels says too.
    expect(mcnemarExact(100000, 0)).toBe(0);
  });

  it('refuses counts that are not counts', () => {
    expect(() => mcnemarExact(-1, 3)).toThrow(/b must be/);
    expect(() => mcnemarExact(1, 2.5)).toThrow(/c must be/);
  });

  it('is symmetric in b and c and lies in (0, 1]', () => {
    // Up to 1000 disagreements the smallest tail, 2·2⁻¹⁰⁰⁰, is still a positive double.
    const count = fc.integer({ min: 0, max: 500 });
    fc.assert(
      fc.property(count, count, (b, c) => {
        const p = mcnemarExact(b, c);
        expect(mcnemarExact(c, b)).toBe(p);
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
        if (b === c) expect(p).toBe(1);
      }),
      { numRuns: runs(500) },
    );
  });
});
