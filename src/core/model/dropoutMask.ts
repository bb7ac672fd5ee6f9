/*
 * tf.dropout's masks drawn on the host, for the ONNX training graph. tfjs-core's dropout is
 * x · floor(u + keep) / keep with u = randomUniform(shape, 0, 1, 'float32', seed), whose numbers come from
 * seedrandom's Alea seeded with String(seed); the same generator and the same float32 arithmetic here give
 * the very same masks, so both engines train on the same dropped units.
 */

/** Johannes Baagøe's Mash hash (MIT), as seedrandom seeds Alea with it. */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
}

/** Alea's state [s0, s1, s2, c] as seedrandom.alea(seed) seeds it. */
function aleaState(seed: string): [number, number, number, number] {
  const m = mash();
  const start = [m(' '), m(' '), m(' ')];
  const [s0, s1, s2] = start.map((s) => {
    const t = s - m(seed);
    return t < 0 ? t + 1 : t;
  });
  return [s0, s1, s2, 1];
}

/** Baagøe's Alea generator (MIT) as seedrandom.alea(seed) builds it: floats in [0, 1). */
export function alea(seed: string): () => number {
  let [s0, s1, s2, c] = aleaState(seed);
  return () => {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    return (s2 = t - (c = t | 0));
  };
}

/** The float32 factor a kept unit is multiplied by: 1 / keep, as tf.dropout divides by it. */
export function dropoutScale(rate: number): number {
  return Math.fround(1 / Math.fround(1 - rate));
}

/**
 * The smallest draw u that tf.dropout keeps. It keeps u when fround(fround(u) + keep) ≥ 1 (u stored as float32 and
 * added in float32); both roundings are monotone, so that holds exactly from one u up, found here by bisection, and
 * one comparison per unit then gives the same mask without the float32 arithmetic.
 */
export function keepThreshold(rate: number): number {
  const keep = Math.fround(1 - rate);
  const kept = (u: number) => Math.fround(Math.fround(u) + keep) >= 1;
  let [lo, hi] = [0, 1];
  for (;;) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) return hi;
    if (kept(mid)) hi = mid;
    else lo = mid;
  }
}

/** One mask to draw: `size` units with tf.dropout's seed `seed`. */
export interface MaskRequest {
  size: number;
  seed: number;
}

/**
 * Which units tf.dropout(x, rate, undefined, seed) keeps (1) and drops (0), in x's row-major order, for several
 * masks at once. Their generators advance side by side, a unit of each per turn: one Alea's next number waits on
 * its last, and independent generators let the CPU overlap those waits (about 3× faster than one at a time).
 */
export function dropoutMasks(requests: MaskRequest[], rate: number): Uint8Array[] {
  const threshold = keepThreshold(rate);
  const out = requests.map(({ size }) => new Uint8Array(size));
  // Longest first, so the generators still drawing at unit i are always the first `active` ones.
  const order = requests.map((_, j) => j).sort((a, b) => requests[b].size - requests[a].size);
  const masks = order.map((j) => out[j]);
  const sizes = order.map((j) => requests[j].size);
  const state = new Float64Array(4 * order.length); // s0, s1, s2, c per generator
  order.forEach((j, lane) => state.set(aleaState(String(requests[j].seed)), 4 * lane));
  let active = order.length;
  for (let i = 0; active > 0; i++) {
    while (active > 0 && sizes[active - 1] <= i) active--;
    for (let lane = 0, k = 0; lane < active; lane++, k += 4) {
      const t = 2091639 * state[k] + state[k + 3] * 2.3283064365386963e-10;
      const c = t | 0;
      const u = t - c;
      state[k] = state[k + 1];
      state[k + 1] = state[k + 2];
      state[k + 2] = u;
      state[k + 3] = c;
      masks[lane][i] = u >= threshold ? 1 : 0;
    }
  }
  return out;
}

/** One mask: see dropoutMasks. */
export function dropoutMask(size: number, rate: number, seed: number): Uint8Array {
  return dropoutMasks([{ size, seed }], rate)[0];
}
