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

/** Baagøe's Alea generator (MIT) as seedrandom.alea(seed) builds it: floats in [0, 1). */
export function alea(seed: string): () => number {
  const m = mash();
  let c = 1;
  let s0 = m(' ');
  let s1 = m(' ');
  let s2 = m(' ');
  s0 -= m(seed);
  if (s0 < 0) s0 += 1;
  s1 -= m(seed);
  if (s1 < 0) s1 += 1;
  s2 -= m(seed);
  if (s2 < 0) s2 += 1;
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

/** Which of `size` units tf.dropout(x, rate, undefined, seed) keeps (1) and drops (0), in x's row-major order. */
export function dropoutMask(size: number, rate: number, seed: number): Uint8Array {
  const next = alea(String(seed));
  const keep = Math.fround(1 - rate);
  const out = new Uint8Array(size);
  // u is stored as float32 and added to keep in float32, as tfjs does, so the rounding at the edge agrees.
  for (let i = 0; i < size; i++) out[i] = Math.fround(Math.fround(next()) + keep) >= 1 ? 1 : 0;
  return out;
}
