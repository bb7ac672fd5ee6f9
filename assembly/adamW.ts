/*
 * AssemblyScript (compiled by `npm run build:wasm` into src/core/train/adamWKernel.ts): the ONNX step's AdamW update
 * and the sum of squares its gradient clipping takes, over the trained weights as hostAdamW.ts lays them out in this
 * module's memory, two f64 lanes of SIMD at a time. The update's arithmetic is f64 between f32 loads and stores, the
 * same operations in the same order as the JS pass it replaced, so the weights and moments are the same to the bit;
 * the sum of squares adds in another order than that pass's running sum (see sumOfSquares).
 *
 * Memory, laid out by the host: four regions of n f32 each (n a multiple of 4, the padding zero) at p (weights),
 * g (gradients), m and v (the moments), each 16-byte aligned.
 */

/** Four f32's first two lanes, as f64. */
@inline
function low(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

/** Four f32's last two lanes, as f64. */
@inline
function high(x: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(x, x, 1, 1));
}

/** Two f64x2 rounded to four f32. */
@inline
function demote(lo: v128, hi: v128): v128 {
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

/** m ← β1·m + (1−β1)·g */
@inline
function firstMoment(m: v128, g: v128, beta1: v128, gainM: v128): v128 {
  return f64x2.add(f64x2.mul(beta1, m), f64x2.mul(gainM, g));
}

/** v ← β2·v + (1−β2)·g·g */
@inline
function secondMoment(v: v128, g: v128, beta2: v128, gainV: v128): v128 {
  return f64x2.add(f64x2.mul(beta2, v), f64x2.mul(f64x2.mul(gainV, g), g));
}

/** p ← p·decay − stepSize·m / (√v / √(1−β2ᵗ) + ε), from the moments as stored. */
@inline
function weight(p: v128, m: v128, v: v128, decay: v128, stepSize: v128, correction: v128, epsilon: v128): v128 {
  const denominator = f64x2.add(f64x2.div(f64x2.sqrt(v), correction), epsilon);
  return f64x2.sub(f64x2.mul(p, decay), f64x2.div(f64x2.mul(stepSize, m), denominator));
}

/** One AdamW step of n weights in place, each gradient multiplied by `scale` first (hostAdamW.ts). */
export function adamW(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: usize,
  decay: f64,
  beta1: f64,
  beta2: f64,
  biasCorrection2Sqrt: f64,
  epsilon: f64,
  stepSize: f64,
  scale: f64,
): void {
  const gainM = f64x2.splat(1 - beta1), gainV = f64x2.splat(1 - beta2);
  const b1 = f64x2.splat(beta1), b2 = f64x2.splat(beta2), s = f64x2.splat(scale);
  const d = f64x2.splat(decay), step = f64x2.splat(stepSize);
  const c = f64x2.splat(biasCorrection2Sqrt), e = f64x2.splat(epsilon);
  for (let i: usize = 0; i < n << 2; i += 16) {
    const gs = v128.load(g + i);
    const g0 = f64x2.mul(low(gs), s), g1 = f64x2.mul(high(gs), s);
    const ms = v128.load(m + i), vs = v128.load(v + i);
    const m32 = demote(firstMoment(low(ms), g0, b1, gainM), firstMoment(high(ms), g1, b1, gainM));
    const v32 = demote(secondMoment(low(vs), g0, b2, gainV), secondMoment(high(vs), g1, b2, gainV));
    v128.store(m + i, m32);
    v128.store(v + i, v32);
    const ps = v128.load(p + i);
    const p0 = weight(low(ps), low(m32), low(v32), d, step, c, e);
    const p1 = weight(high(ps), high(m32), high(v32), d, step, c, e);
    v128.store(p + i, demote(p0, p1));
  }
}

/**
 * `start` plus the squares of n gradients, summed in four lanes (two f64x2) and the lanes then added: a different
 * order from one running sum, so a different rounding (within 1e-12 relative in adamWShard.test.ts), four times
 * faster than the running sum, whose every addition waits on the last.
 */
export function sumOfSquares(g: usize, n: usize, start: f64): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  for (let i: usize = 0; i < n << 2; i += 16) {
    const x = v128.load(g + i);
    const lo = low(x), hi = high(x);
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  const sum = f64x2.add(a, b);
  return start + (f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1));
}
