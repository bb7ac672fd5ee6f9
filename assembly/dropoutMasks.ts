/*
 * AssemblyScript (compiled by `npm run build:wasm` into src/core/model/dropoutKernel.ts): the inner loop of
 * dropoutMask.ts, seedrandom's Alea generator drawing tf.dropout's masks. One Alea's next number waits on its last
 * (a multiply, an add and a floor, ~16 cycles), so the loop advances eight independent generators at once: four
 * f64x2 vectors of two, their state held in locals. The arithmetic is Alea's own in f64, so the numbers are the same.
 *
 * Memory, laid out by the host: at `state`, per vector of two generators, the pairs [s0][s1][s2][c] (64 bytes);
 * at `outputs`, per generator, the address of its mask (u32). A unit is kept (1) iff its draw is ≥ `threshold`.
 */

const MULTIPLIER: f64 = 2091639;
const TWO_TO_MINUS_32: f64 = 2.3283064365386963e-10;

/** Bytes of state per vector of two generators, and of output addresses per vector. */
const STATE_BYTES: usize = 64;
const OUTPUT_BYTES: usize = 8;

/** Alea's t for two generators: 2091639·s0 + c·2⁻³²; c' = floor(t) and s' = t − c' follow. */
@inline
function next(s0: v128, c: v128): v128 {
  return f64x2.add(f64x2.mul(f64x2.splat(MULTIPLIER), s0), f64x2.mul(c, f64x2.splat(TWO_TO_MINUS_32)));
}

/** Stores unit i of two generators' masks: 1 where the draw u is ≥ threshold, else 0. */
@inline
function keep(outputs: usize, i: usize, u: v128, threshold: v128): void {
  const kept = v128.and(f64x2.ge(u, threshold), i64x2.splat(1));
  v128.store8_lane(<usize>load<u32>(outputs) + i, kept, 0);
  v128.store8_lane(<usize>load<u32>(outputs, 4) + i, kept, 8);
}

/** Draws units [from, to) of `groups` groups of eight generators, leaving their state ready for the next units. */
export function draw(state: usize, outputs: usize, groups: i32, from: i32, to: i32, threshold: f64): void {
  const th = f64x2.splat(threshold);
  for (let g = 0; g < groups; g++) {
    // Vectors a, b, c, d: the group's four pairs of generators.
    const st = state + <usize>g * 4 * STATE_BYTES;
    const out = outputs + <usize>g * 4 * OUTPUT_BYTES;
    const oa = out, ob = out + OUTPUT_BYTES, oc = out + 2 * OUTPUT_BYTES, od = out + 3 * OUTPUT_BYTES;
    let a0 = v128.load(st, 0), a1 = v128.load(st, 16), a2 = v128.load(st, 32), ac = v128.load(st, 48);
    let b0 = v128.load(st, 64), b1 = v128.load(st, 80), b2 = v128.load(st, 96), bc = v128.load(st, 112);
    let c0 = v128.load(st, 128), c1 = v128.load(st, 144), c2 = v128.load(st, 160), cc = v128.load(st, 176);
    let d0 = v128.load(st, 192), d1 = v128.load(st, 208), d2 = v128.load(st, 224), dc = v128.load(st, 240);
    for (let i = <usize>from; i < <usize>to; i++) {
      let t = next(a0, ac);
      ac = f64x2.floor(t);
      a0 = a1;
      a1 = a2;
      a2 = f64x2.sub(t, ac);
      keep(oa, i, a2, th);
      t = next(b0, bc);
      bc = f64x2.floor(t);
      b0 = b1;
      b1 = b2;
      b2 = f64x2.sub(t, bc);
      keep(ob, i, b2, th);
      t = next(c0, cc);
      cc = f64x2.floor(t);
      c0 = c1;
      c1 = c2;
      c2 = f64x2.sub(t, cc);
      keep(oc, i, c2, th);
      t = next(d0, dc);
      dc = f64x2.floor(t);
      d0 = d1;
      d1 = d2;
      d2 = f64x2.sub(t, dc);
      keep(od, i, d2, th);
    }
    v128.store(st, a0, 0); v128.store(st, a1, 16); v128.store(st, a2, 32); v128.store(st, ac, 48);
    v128.store(st, b0, 64); v128.store(st, b1, 80); v128.store(st, b2, 96); v128.store(st, bc, 112);
    v128.store(st, c0, 128); v128.store(st, c1, 144); v128.store(st, c2, 160); v128.store(st, cc, 176);
    v128.store(st, d0, 192); v128.store(st, d1, 208); v128.store(st, d2, 224); v128.store(st, dc, 240);
  }
}
