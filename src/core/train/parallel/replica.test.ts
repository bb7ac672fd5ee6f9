import { describe, expect, it } from 'vitest';
import { owners } from './replica.js';

describe('owners of the trained parameters', () => {
  it('deals the largest first, each to the thread with the least so far', () => {
    expect(owners([5, 1, 4, 3], 2)).toEqual([0, 0, 1, 1]);
    expect(owners([2, 2, 2], 3)).toEqual([0, 1, 2]);
  });

  it('gives every parameter to the one thread when there is one', () => {
    expect(owners([3, 1], 1)).toEqual([0, 0]);
  });
});
