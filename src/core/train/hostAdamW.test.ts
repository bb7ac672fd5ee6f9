// HostAdamW (the ONNX step's optimizer) against the hand-worked AdamW numbers of adamw.test.ts and against
// tfjs's AdamW itself, with the state handed back and forth as checkpoints and evaluations do.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { AdamW, type NamedTensor } from './adamw.js';
import { HostAdamW } from './hostAdamW.js';
import { clipByGlobalNorm } from './step.js';

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
});

const created: { dispose(): void }[] = [];
afterEach(() => {
  created.splice(0).forEach((t) => t.dispose());
});

function params(values: Record<string, number[]>): Map<string, tf.Variable> {
  const out = new Map(Object.entries(values).map(([name, v]) => [name, tf.variable(tf.tensor1d(v))]));
  created.push(...out.values());
  return out;
}

function adamw(weightDecay = 0.1, learningRate = 0.1): AdamW {
  const o = new AdamW({ learningRate, weightDecay });
  created.push(o);
  return o;
}

const values = (p: tf.Variable) => Array.from(p.dataSync());
const grads = (g: Record<string, number[]>) => new Map(Object.entries(g).map(([name, v]) => [name, Float32Array.from(v)]));

/** A seeded gradient for every step and parameter: [-1, 1). */
function gradientAt(step: number, name: string, n: number): number[] {
  let state = step * 7919 + name.length * 104729 + 1;
  return Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 30 - 1;
  });
}

describe('HostAdamW', () => {
  it('matches the two-step example worked by hand in adamw.test.ts (lr 0.1, wd 0.1)', async () => {
    const vars = params({ p: [1, 2] });
    const host = new HostAdamW(vars, adamw(), ['p'], ['p']);
    await host.update(grads({ p: [0.1, -0.2] }), null);
    // The host arrays are what the next ONNX step reads: [0.89, 2.08] (see adamw.test.ts for the working).
    const p = (await host.weights()).get('p')!;
    expect(p[0]).toBeCloseTo(0.89, 6);
    expect(p[1]).toBeCloseTo(2.08, 6);
    // Until synced, the model keeps its values; afterwards it has the step's.
    expect(values(vars.get('p')!)).toEqual([1, 2]);
    await host.update(grads({ p: [0.3, 0.4] }), null);
    await host.syncToModel();
    expect(values(vars.get('p')!)[0]).toBeCloseTo(0.7893219, 5);
    expect(values(vars.get('p')!)[1]).toBeCloseTo(2.0225896, 5);
  });

  it.each([
    ['without clipping', null],
    ['with clipping to a global norm of 0.5', 0.5],
  ])('follows tfjs AdamW over six steps on two weights, one frozen weight fed as it is, %s', async (_, clipNorm) => {
    const start = { a: [0.5, -1, 2, 0.25], b: [3, -0.5], frozen: [7, 8] };
    const [onTfjs, onHost] = [params(start), params(start)];
    const tfjsOptimizer = adamw(0.1, 0.01);
    const host = new HostAdamW(onHost, adamw(0.1, 0.01), ['a', 'b', 'frozen'], ['a', 'b']);
    for (let step = 1; step <= 6; step++) {
      const g = { a: gradientAt(step, 'a', 4), b: gradientAt(step, 'b', 2) };
      tf.tidy(() => {
        const named = { [onTfjs.get('a')!.name]: tf.tensor1d(g.a), [onTfjs.get('b')!.name]: tf.tensor1d(g.b) };
        tfjsOptimizer.applyGradients(clipNorm ? clipByGlobalNorm(named, clipNorm) : named);
      });
      await host.update(grads(g), clipNorm);
    }
    await host.syncToModel();
    for (const name of ['a', 'b']) {
      const [expected, actual] = [values(onTfjs.get(name)!), values(onHost.get(name)!)];
      actual.forEach((x, i) => expect(Math.abs(x - expected[i])).toBeLessThan(1e-6));
    }
    expect((await host.weights()).get('frozen')).toEqual(Float32Array.of(7, 8));
    // Clipping moved the trajectory: the same steps unclipped end elsewhere.
    if (clipNorm) {
      const unclipped = params(start);
      const plain = new HostAdamW(unclipped, adamw(0.1, 0.01), ['a'], ['a']);
      for (let step = 1; step <= 6; step++) await plain.update(grads({ a: gradientAt(step, 'a', 4) }), null);
      expect((await plain.weights()).get('a')![0]).not.toBeCloseTo(values(onHost.get('a')!)[0], 4);
    }
  });

  it('takes the gradients where the graph writes them, in its own arrays, as it takes them from elsewhere', async () => {
    const [copied, inPlace] = [params({ p: [1, -2, 0.5] }), params({ p: [1, -2, 0.5] })];
    const [host, direct] = [new HostAdamW(copied, adamw(), ['p'], ['p']), new HostAdamW(inPlace, adamw(), ['p'], ['p'])];
    for (let step = 1; step <= 3; step++) {
      await host.update(grads({ p: gradientAt(step, 'p', 3) }), 0.5);
      const own = await direct.gradients();
      own.get('p')!.set(gradientAt(step, 'p', 3));
      await direct.update(own, 0.5);
    }
    expect((await direct.weights()).get('p')).toEqual((await host.weights()).get('p'));
    expect((await direct.weights()).get('p')).not.toEqual(Float32Array.of(1, -2, 0.5));
  });

  it("writes the moments and step count into tfjs's AdamW: a checkpoint taken there resumes to the uninterrupted run", async () => {
    const start = { p: [1, -2, 0.5] };
    const uninterrupted = params(start);
    const host = new HostAdamW(uninterrupted, adamw(), ['p'], ['p']);
    const optimizerOf = adamw();
    const interrupted = params(start);
    const first = new HostAdamW(interrupted, optimizerOf, ['p'], ['p']);
    for (let step = 1; step <= 3; step++) {
      await host.update(grads({ p: gradientAt(step, 'p', 3) }), null);
      await first.update(grads({ p: gradientAt(step, 'p', 3) }), null);
    }
    // The checkpoint: tfjs's variables and AdamW state, as saveCheckpoint reads them, into a fresh model and AdamW.
    await first.syncToModel();
    const saved: NamedTensor[] = (await optimizerOf.getWeights()).map(({ name, tensor }) => ({ name, tensor: tensor.clone() }));
    created.push(...saved.map((w) => w.tensor));
    expect(saved.find((w) => w.name === 'step')!.tensor.dataSync()[0]).toBe(3);
    const resumedVars = params({ p: values(interrupted.get('p')!) });
    const resumedOptimizer = adamw();
    const rename = (name: string) => name.replace(interrupted.get('p')!.name, resumedVars.get('p')!.name);
    await resumedOptimizer.setWeights(saved.map(({ name, tensor }) => ({ name: rename(name), tensor })));
    const resumed = new HostAdamW(resumedVars, resumedOptimizer, ['p'], ['p']);
    for (let step = 4; step <= 5; step++) {
      await host.update(grads({ p: gradientAt(step, 'p', 3) }), null);
      await resumed.update(grads({ p: gradientAt(step, 'p', 3) }), null);
    }
    expect((await resumed.weights()).get('p')).toEqual((await host.weights()).get('p'));
    // tfjs's AdamW continues from the synced state as the host does: the two optimizers share one state.
    await resumed.syncToModel();
    const g6 = gradientAt(6, 'p', 3);
    tf.tidy(() => resumedOptimizer.applyGradients({ [resumedVars.get('p')!.name]: tf.tensor1d(g6) }));
    await host.update(grads({ p: g6 }), null);
    await host.syncToModel();
    values(resumedVars.get('p')!).forEach((x, i) => expect(Math.abs(x - values(uninterrupted.get('p')!)[i])).toBeLessThan(1e-6));
  });

  it('keeps the tensor count: syncing creates the two moments once and leaves nothing else behind', async () => {
    const vars = params({ p: [1, 2, 3] });
    const before = tf.memory().numTensors;
    const host = new HostAdamW(vars, adamw(), ['p'], ['p']);
    for (let i = 0; i < 3; i++) {
      await host.update(grads({ p: [0.1, 0.2, 0.3] }), null);
      await host.syncToModel();
      expect(tf.memory().numTensors).toBe(before + 2);
    }
  });
});
