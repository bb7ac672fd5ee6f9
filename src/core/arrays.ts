/*
 * Largest, smallest and arg-max by a loop: `Math.max(...values)` passes every value as an argument,
 * which overflows the stack somewhere past ~100,000 values.
 */

export function maxOf(values: Iterable<number>, empty = -Infinity): number {
  let max = empty;
  for (const v of values) if (v > max) max = v;
  return max;
}

export function minOf(values: Iterable<number>, empty = Infinity): number {
  let min = empty;
  for (const v of values) if (v < min) min = v;
  return min;
}

/** Index of the largest value (the first on a tie); -1 when none is larger than -Infinity (empty, or all NaN). */
export function argMax(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (values[i] > (best < 0 ? -Infinity : values[best])) best = i;
  return best;
}
