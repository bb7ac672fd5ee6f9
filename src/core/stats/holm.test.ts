import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../../test/support/fuzz.js';
import { holm } from './holm.js';

describe('holm', () => {
  it('matches an example worked by hand', () => {
    // p = [0.01, 0.04, 0.03, 0.005], m = 4
    // sorted:                0.005  0.01  0.03  0.04   (inputs 3, 0, 2, 1)
    // × (m − i) = 4, 3, 2, 1: 0.02   0.03  0.06  0.04
    // running max:           0.02   0.03  0.06  0.06   (0.04 may not drop below 0.06)
    // cap at 1, input order: [0.03, 0.06, 0.06, 0.02]
    // statsmodels: multipletests([0.01, 0.04, 0.03, 0.005], method="holm")[1] → same
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 15));
  });

  it('matches statsmodels with ties and a cap', () => {
    // multipletests([0.2, 0.01, 0.5, 0.01, 0.04], method="holm")[1] → [0.4, 0.05, 0.5, 0.05, 0.12]
    const adjusted = holm([0.2, 0.01, 0.5, 0.01, 0.04]);
    [0.4, 0.05, 0.5, 0.05, 0.12].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 15));
    // multipletests([0.9, 0.8], method="holm")[1] → [1.0, 1.0]
    expect(holm([0.9, 0.8])).toEqual([1, 1]);
  });

  it('leaves a single p-value alone and an empty list empty', () => {
    expect(holm([0.03])).toEqual([0.03]);
    expect(holm([])).toEqual([]);
  });

  it('refuses what is not a p-value', () => {
    expect(() => holm([0.1, NaN])).toThrow(/p\[1\]/);
    expect(() => holm([1.5])).toThrow(RangeError);
    expect(() => holm([-0.1])).toThrow(RangeError);
  });

  it('never lowers a p-value, caps at 1 and keeps the order of the raw p-values', () => {
    const p = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(fc.array(p, { maxLength: 30 }), (raw) => {
        const adjusted = holm(raw);
        expect(adjusted).toHaveLength(raw.length);
        raw.forEach((r, i) => {
          expect(adjusted[i]).toBeGreaterThanOrEqual(r);
          expect(adjusted[i]).toBeLessThanOrEqual(1);
          raw.forEach((s, j) => {
            if (r <= s) expect(adjusted[i]).toBeLessThanOrEqual(adjusted[j]);
          });
        });
      }),
      { numRuns: runs(300) },
    );
  });
});
