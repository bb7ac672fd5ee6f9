/**
 * NumPy's legacy `RandomState` (MT19937), as far as pandas' `DataFrame.sample(random_state=seed)`
 * uses it: the book balances and shuffles the SMS data that way, so drawing the same numbers here
 * gives the book's exact split.
 */
export class RandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  /** NumPy's legacy integer seeding (init_genrand). */
  constructor(seed: number) {
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 · prev + i, modulo 2³², without losing bits to float multiplication.
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** The next 32-bit output (genrand_int32). */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max] by masked rejection (NumPy's random_interval, max < 2³²). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    for (const shift of [1, 2, 4, 8, 16]) mask |= mask >>> shift;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** `permutation(n)`: a Fisher–Yates shuffle of 0…n−1 from the end, as NumPy's legacy shuffle. */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/**
 * pandas' `df.sample(n, random_state=seed)` without replacement: `RandomState(seed).choice(len, n,
 * replace=False)`, which is the first n of a permutation. Each call starts a fresh generator, as
 * each pandas call with an integer random_state does.
 */
export function pandasSample<T>(items: readonly T[], n: number, seed: number): T[] {
  return new RandomState(seed)
    .permutation(items.length)
    .slice(0, n)
    .map((i) => items[i]);
}
