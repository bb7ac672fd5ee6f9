// The AdamW kernel (assembly/adamW.ts) against the formula it replaced, written out below as a plain JS loop: the
// same float64 operations in the same order, so the weights and moments must be equal to the bit (the clip's sum of
// squares, added in another order, within rounding).
import { describe, expect, it } from 'vitest';
import { adamWFactors, type AdamWFactors } from './adamw.js';
import { adamWShards, AdamWShard, type TrainedTensor } from './adamWShard.js';

/** The specification: one AdamW step of one tensor in float64 between float32 loads and stores, g scaled first. */
function referenceStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, f: AdamWFactors, scale: number): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * scale;
    m[i] = f.beta1 * m[i] + (1 - f.beta1) * gi;
    v[i] = f.beta2 * v[i] + (1 - f.beta2) * gi * gi;
    p[i] = p[i] * f.decay - (f.stepSize * m[i]) / (Math.sqrt(v[i]) / f.biasCorrection2Sqrt + f.epsilon);
  }
}

/** Seeded values in [-r, r), some of them tiny and some zero, as gradients have. */
function values(n: number, seed: number, r: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: n }, (_, i) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const x = (state / 2 ** 30 - 1) * r;
    return i % 7 === 3 ? 0 : i % 5 === 1 ? x * 1e-6 : x;
  });
}

const settings = { learningRate: 0.01, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const tensors: TrainedTensor[] = [
  { name: 'h.0.attn.c_attn.weight', size: 37 },
  { name: 'h.0.ln_1.bias', size: 6 },
  { name: 'score.weight', size: 1 },
  { name: 'ln_f.weight', size: 64 },
];

/** Runs `steps` steps on shards of `shardBytes` and on the reference, returning both ends' weights and moments. */
function bothWays(shardBytes: number | undefined, steps: number, clip: number | null) {
  const shards = adamWShards(tensors, shardBytes);
  const view = (kind: 'weights' | 'grads' | 'm' | 'v', name: string) => shards.find((s) => s[kind].has(name))![kind].get(name)!;
  const reference = tensors.map(({ name, size }, j) => {
    const p = values(size, 11 + j, 2);
    view('weights', name).set(p);
    return { name, p, m: new Float32Array(size), v: new Float32Array(size) };
  });
  for (let t = 1; t <= steps; t++) {
    const grads = tensors.map(({ size }, j) => values(size, 1000 * t + j, 3));
    tensors.forEach(({ name }, j) => view('grads', name).set(grads[j]));
    let squares = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) squares += g[i] * g[i];
    // The kernel sums in four lanes, not in one running sum: the same within rounding.
    const summed = shards.reduce((sum, shard) => shard.sumOfSquares(sum), 0);
    expect(Math.abs(summed - squares)).toBeLessThanOrEqual(1e-12 * squares);
    const scale = clip ? Math.min(1, clip / (Math.sqrt(summed) + 1e-6)) : 1;
    const f = adamWFactors(settings, t);
    shards.forEach((shard) => shard.update(f, scale));
    reference.forEach(({ p, m, v }, j) => referenceStep(p, grads[j], m, v, f, scale));
  }
  return { shards, reference, view };
}

describe('the AdamW kernel', () => {
  it.each([
    ['in one shard, unclipped', undefined, null],
    ['in one shard, clipped to 0.5', undefined, 0.5],
    ['in two shards of at most 45 weights, clipped to 0.5', 45 * 16, 0.5],
  ])('gives the reference loop’s weights and moments to the bit over eight steps, %s', (_, shardBytes, clip) => {
    const { shards, reference, view } = bothWays(shardBytes, 8, clip);
    expect(shards.length).toBe(shardBytes ? 2 : 1);
    for (const { name, p, m, v } of reference) {
      expect(view('weights', name)).toEqual(p);
      expect(view('m', name)).toEqual(m);
      expect(view('v', name)).toEqual(v);
    }
    // The steps moved every weight.
    expect(view('weights', 'ln_f.weight')).not.toEqual(values(64, 14, 2));
  });

  it('keeps each tensor whole and in order across shards, one too large for the limit alone in its own', () => {
    const shards = adamWShards(tensors, 40 * 16);
    expect(shards.map((s) => [...s.weights.keys()])).toEqual([
      ['h.0.attn.c_attn.weight'],
      ['h.0.ln_1.bias', 'score.weight'],
      ['ln_f.weight'],
    ]);
    expect(shards[2].weights.get('ln_f.weight')!.length).toBe(64);
  });

  it('refuses, naming the tensor, weights that do not fit the 4 GiB memory of a kernel', () => {
    expect(() => AdamWShard.create([{ name: 'wte.weight', size: 2 ** 28 + 1 }])).toThrow(
      /wte\.weight: 268435457 trained weights do not fit/,
    );
  });
});
