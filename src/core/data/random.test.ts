import { describe, expect, it } from 'vitest';
import { mulberry32, shuffled } from './random.js';

const take = (random: () => number, n: number) => Array.from({ length: n }, random);

describe('mulberry32', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    expect(take(mulberry32(123), 5)).toEqual(take(mulberry32(123), 5));
    expect(take(mulberry32(123), 5)).not.toEqual(take(mulberry32(124), 5));
  });

  it('gives floats in [0, 1), spread evenly', () => {
    const values = take(mulberry32(7), 100_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const deciles = new Array<number>(10).fill(0);
    for (const v of values) deciles[Math.floor(v * 10)]++;
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('matches the common JavaScript mulberry32 (its first value for seed 1)', () => {
    expect(mulberry32(1)()).toBe(0.6270739405881613);
  });
});

describe('shuffled', () => {
  it('returns a seeded permutation and leaves the input alone', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = shuffled(items, mulberry32(1));
    expect(a).not.toEqual(items);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(shuffled(items, mulberry32(1))).toEqual(a);
    expect(items[0]).toBe(0);
  });
});
