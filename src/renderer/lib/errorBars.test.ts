import { describe, expect, it } from 'vitest';
import { whiskerRange } from './errorBars.js';

describe('whiskerRange', () => {
  it('spans every whisker of every dataset', () => {
    expect(
      whiskerRange([
        [[-1.5, 4], null],
        [
          [0.5, 6.25],
          [-3, 1],
        ],
      ]),
    ).toEqual({ min: -3, max: 6.25 });
  });
  it('is null without whiskers, and skips unknown ends', () => {
    expect(whiskerRange([[null], []])).toBeNull();
    expect(whiskerRange([[[Number.NaN, 2]], [[1, 2]]])).toEqual({ min: 1, max: 2 });
  });
});
