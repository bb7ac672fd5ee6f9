// Unit tests of AdamW in the manner of tfjs-core's adam_optimizer_test.ts: expected numbers worked by
// hand in the comments, tensor counts after each step, and optimizer state saved and restored.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { AdamW, type NamedTensor } from './adamw.js';

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
});

const created: { dispose(): void }[] = [];
afterEach(() => {
  created.splice(0).forEach((t) => t.dispose());
});

function variable(values: number[]): tf.Variable {
  const v = tf.variable(tf.tensor1d(values));
  created.push(v);
  return v;
}

function optimizer(weightDecay = 0.1): AdamW {
  const o = new AdamW({ learningRate: 0.1, weightDecay });
  created.push(o);
  return o;
}

/** One step with the given gradient for p; the gradient tensor is the caller's and is disposed here. */
function step(o: AdamW, p: tf.Variable, gradient: number[]): void {
  const g = tf.tensor1d(gradient);
  o.applyGradients({ [p.name]: g });
  g.dispose();
}

const values = (p: tf.Variable) => Array.from(p.dataSync());

describe('AdamW', () => {
  it('matches a two-step example worked by hand (lr 0.1, wd 0.1, β1 0.9, β2 0.999, ε 1e-8)', () => {
    const p = variable([1, 2]);
    const o = optimizer();

    // Step 1, g = [0.1, -0.2]:
    //   decay      p ← p·(1 − 0.1·0.1)              = [0.99, 1.98]
    //   moments    m = 0.1·g = [0.01, -0.02]         v = 0.001·g² = [1e-5, 4e-5]
    //   corrected  m̂ = m / (1 − 0.9) = [0.1, -0.2]   v̂ = v / (1 − 0.999) = [0.01, 0.04], √v̂ = [0.1, 0.2]
    //   update     0.1 · m̂ / (√v̂ + ε) = [0.1, -0.1] (less 1e-8 relative)
    //   p = [0.99 − 0.1, 1.98 + 0.1] = [0.89, 2.08]
    step(o, p, [0.1, -0.2]);
    expect(values(p)[0]).toBeCloseTo(0.89, 6);
    expect(values(p)[1]).toBeCloseTo(2.08, 6);

    // Step 2, g = [0.3, 0.4]:
    //   decay      p ← [0.89, 2.08]·0.99 = [0.8811, 2.0592]
    //   moments    m = 0.9·[0.01, -0.02] + 0.1·[0.3, 0.4]            = [0.039, 0.022]
    //              v = 0.999·[1e-5, 4e-5] + 0.001·[0.09, 0.16]       = [9.999e-5, 1.9996e-4]
    //   corrected  m̂ = m / (1 − 0.9²)  = m / 0.19     = [0.2052632, 0.1157895]
    //              v̂ = v / (1 − 0.999²) = v / 0.001999 = [0.0500200, 0.1000300], √v̂ = [0.2236515, 0.3162752]
    //   update     0.1 · m̂ / √v̂ = [0.0917781, 0.0366104]
    //   p = [0.8811 − 0.0917781, 2.0592 − 0.0366104] = [0.7893219, 2.0225896]
    step(o, p, [0.3, 0.4]);
    expect(values(p)[0]).toBeCloseTo(0.7893219, 5);
    expect(values(p)[1]).toBeCloseTo(2.0225896, 5);
  });

  it('decays the weights apart from the gradient (decoupled, not L2 in the loss)', async () => {
    // With a zero gradient Adam's own update is 0 / (0 + ε) = 0: only the decay moves p, by exactly
    // p·lr·wd. L2 in the loss would instead feed wd·p through the moments and move p by about lr.
    const p = variable([1, -2]);
    const o = optimizer();
    step(o, p, [0, 0]);
    expect(values(p)).toEqual([Math.fround(1 * 0.99), Math.fround(-2 * 0.99)]);
    const moments = (await o.getWeights()).filter((w) => w.name !== 'step');
    for (const { tensor } of moments) expect(Array.from(tensor.dataSync())).toEqual([0, 0]);

    // Without weight decay the same step leaves p where it was.
    const q = variable([1, -2]);
    step(optimizer(0), q, [0, 0]);
    expect(values(q)).toEqual([1, -2]);
  });

  it('continues from saved state exactly as without the interruption', async () => {
    const p = variable([1, 2]);
    const uninterrupted = optimizer();
    step(uninterrupted, p, [0.1, -0.2]);
    const afterFirst = values(p);
    // getWeights hands out the live moment variables: copy them before the next step changes them.
    const saved: NamedTensor[] = (await uninterrupted.getWeights()).map(({ name, tensor }) => ({ name, tensor: tensor.clone() }));
    created.push(...saved.map((w) => w.tensor));
    step(uninterrupted, p, [0.3, 0.4]);
    const expected = values(p);

    p.assign(tf.tensor1d(afterFirst));
    const resumed = optimizer();
    await resumed.setWeights(saved);
    step(resumed, p, [0.3, 0.4]);
    expect(values(p)).toEqual(expected);

    // Without the state (step count and moments) the second step is a different one.
    p.assign(tf.tensor1d(afterFirst));
    step(optimizer(), p, [0.3, 0.4]);
    expect(values(p)).not.toEqual(expected);
  });

  it('keeps the tensor count stable: two moments per variable, none left after dispose', () => {
    const p = variable([1, 2, 3]);
    const before = tf.memory().numTensors;
    const o = new AdamW({ learningRate: 0.1, weightDecay: 0.1 });
    step(o, p, [0.1, 0.2, 0.3]);
    expect(tf.memory().numTensors).toBe(before + 2); // m and v of p
    for (let i = 0; i < 3; i++) {
      step(o, p, [0.1, 0.2, 0.3]);
      expect(tf.memory().numTensors).toBe(before + 2);
    }
    o.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
