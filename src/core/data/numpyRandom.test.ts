import { describe, expect, it } from 'vitest';
import { pandasSample, RandomState } from './numpyRandom.js';

/* Reference values printed by NumPy 2.4 (np.random.RandomState(123)). */
describe('NumPy RandomState emulation', () => {
  it('draws the same 32-bit numbers as RandomState(123)', () => {
    const rs = new RandomState(123);
    expect([rs.nextUint32(), rs.nextUint32(), rs.nextUint32()]).toEqual([2991312382, 3062119789, 1228959102]);
  });
  it('permutes like RandomState(123).permutation', () => {
    expect(new RandomState(123).permutation(10)).toEqual([4, 0, 7, 5, 8, 3, 1, 6, 9, 2]);
    expect(new RandomState(123).permutation(4825).slice(0, 5)).toEqual([3720, 3580, 4182, 3858, 4713]);
    expect(new RandomState(123).permutation(1494).slice(0, 5)).toEqual([263, 627, 887, 925, 1050]);
  });
  it('samples like pandas sample(n, random_state=seed): a fresh generator per call', () => {
    const items = Array.from({ length: 4825 }, (_, i) => `row ${i}`);
    expect(pandasSample(items, 3, 123)).toEqual(['row 3720', 'row 3580', 'row 4182']);
    expect(pandasSample(items, 3, 123)).toEqual(pandasSample(items, 3, 123));
  });
});
