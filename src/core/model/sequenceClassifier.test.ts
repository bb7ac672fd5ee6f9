import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from '../train/adamw.js';
import { trainStep } from '../train/step.js';
import { idsTensor } from './ops.js';
import { initBackend } from './backend.js';
import { loadGradients } from './gradients.js';
import { SequenceClassifier } from './sequenceClassifier.js';
import { customConfig, PRESETS } from './config.js';
import { GPT2 } from './gpt2.js';
import { countParameters } from './trainable.js';

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

const tiny = customConfig({ nLayer: 3, nEmbd: 32, nHead: 4, nPositions: 64 });
const models: SequenceClassifier[] = [];
function classifier(pooling: 'last-position' | 'last-token' | 'mean' = 'last-token', seed = 1): SequenceClassifier {
  const m = new SequenceClassifier(GPT2.random(tiny, seed), 2, pooling, seed);
  models.push(m);
  return m;
}
afterEach(() => {
  models.splice(0).forEach((m) => m.dispose());
});

const texts = [
  [464, 3290, 318, 257, 1332],
  [40, 1842],
  [15496, 11, 995, 0, 318, 257, 1332, 286, 262],
];
function padded(rows: number[][], T: number): number[][] {
  return rows.map((r) => [...r, ...Array(T - r.length).fill(50256)]);
}
function logitsOf(m: SequenceClassifier, T: number): number[][] {
  return tf.tidy(() =>
    m
      .logits(
        idsTensor(padded(texts, T)),
        texts.map((t) => t.length),
      )
      .arraySync(),
  );
}

describe('parameter counts', () => {
  it("the book's recipe trains 7,090,946 of 124,441,346 parameters", () => {
    expect(countParameters(PRESETS['gpt2-small'], 2, { kind: 'last', blocks: 1 })).toEqual({ trainable: 7_090_946, total: 124_441_346 });
  });
  it('head only, head + norm, all, and too many blocks', () => {
    const small = PRESETS['gpt2-small'];
    expect(countParameters(small, 2, { kind: 'head' }).trainable).toBe(768 * 2 + 2);
    expect(countParameters(small, 2, { kind: 'head+norm' }).trainable).toBe(768 * 2 + 2 + 2 * 768);
    expect(countParameters(small, 2, { kind: 'all' }).trainable).toBe(124_441_346);
    expect(countParameters(small, 2, { kind: 'last', blocks: 2 }).trainable).toBe(7_090_946 + 7_087_872);
    expect(() => countParameters(small, 2, { kind: 'last', blocks: 13 })).toThrow(/model has 12/);
  });
  it('a built model reports the same counts and frozen prefix', () => {
    const m = classifier();
    m.setTrainable({ kind: 'last', blocks: 1 });
    expect(m.parameterCounts()).toEqual(countParameters(tiny, 2, { kind: 'last', blocks: 1 }));
    expect(m.frozenPrefix()).toBe(2);
    m.setTrainable({ kind: 'head' });
    expect(m.frozenPrefix()).toBe(3);
    m.setTrainable({ kind: 'all' });
    expect(m.frozenPrefix()).toBe(0);
  });
});

describe('LoRA', () => {
  it('counts adapters on every linear layer of every block plus the head (GPT-2 small, rank 16)', () => {
    const perBlock = (768 + 2304) * 16 + (768 + 768) * 16 + (768 + 3072) * 16 + (3072 + 768) * 16;
    expect(countParameters(PRESETS['gpt2-small'], 2, { kind: 'lora', rank: 16, alpha: 16 })).toEqual({
      trainable: 12 * perBlock + 768 * 2 + 2,
      total: 124_441_346 + 12 * perBlock,
    });
  });
  it('on the last N blocks counts only their adapters; more blocks than the model has is an error', () => {
    const perBlock = (768 + 2304) * 8 + (768 + 768) * 8 + (768 + 3072) * 8 + (3072 + 768) * 8;
    expect(countParameters(PRESETS['gpt2-small'], 2, { kind: 'lora', rank: 8, alpha: 16, blocks: 2 })).toEqual({
      trainable: 2 * perBlock + 768 * 2 + 2,
      total: 124_441_346 + 2 * perBlock,
    });
    expect(() => countParameters(PRESETS['gpt2-small'], 2, { kind: 'lora', rank: 8, alpha: 16, blocks: 13 })).toThrow(
      'cannot put LoRA adapters on the last 13 blocks: the model has 12',
    );
  });
  it('on the last N blocks leaves the blocks below as the frozen prefix; adapters start as on every block', () => {
    const every = classifier();
    every.setTrainable({ kind: 'lora', rank: 4, alpha: 8 });
    // Adapters of a run on every block, as initialised before they could be limited to the last blocks.
    expect(Array.from(every.gpt.param('h.0.attn.c_attn.lora_A').dataSync().slice(0, 3))).toEqual([
      0.05420761555433273, -0.341080904006958, -0.11982008814811707,
    ]);
    expect(Array.from(every.gpt.param('h.2.mlp.c_proj.lora_A').dataSync().slice(0, 3))).toEqual([
      0.28824570775032043, 0.2781347632408142, 0.006702401675283909,
    ]);
    const top = classifier();
    const spec = { kind: 'lora', rank: 4, alpha: 8, blocks: 2 } as const;
    const vars = top.setTrainable(spec);
    expect(top.frozenPrefix()).toBe(1);
    expect(top.parameterCounts()).toEqual(countParameters(tiny, 2, spec));
    expect(vars).toHaveLength(2 * 4 * 2 + 2);
    expect(top.gpt.params.has('h.0.attn.c_attn.lora_A')).toBe(false);
    for (const name of ['h.1.attn.c_attn.lora_A', 'h.2.mlp.c_proj.lora_A'])
      expect(Array.from(top.gpt.param(name).dataSync())).toEqual(Array.from(every.gpt.param(name).dataSync()));
  });
  it('starts as the unchanged model, then trains only adapters and head', () => {
    const m = classifier('last-token');
    const before = logitsOf(m, 9);
    const vars = m.setTrainable({ kind: 'lora', rank: 4, alpha: 8 });
    expect(logitsOf(m, 9)).toEqual(before);
    expect(m.parameterCounts()).toEqual(countParameters(tiny, 2, { kind: 'lora', rank: 4, alpha: 8 }));
    expect(m.frozenPrefix()).toBe(0);
    const frozen = Array.from(m.gpt.param('h.1.mlp.c_fc.weight').dataSync());
    const adapterB = Array.from(m.gpt.param('h.1.mlp.c_fc.lora_B').dataSync());
    const opt = new AdamW({ learningRate: 1e-2, weightDecay: 0 });
    trainStep(
      m,
      opt,
      vars,
      { ids: padded(texts, 9), lengths: texts.map((t) => t.length), labels: [0, 1, 0] },
      { dropout: 0, seed: () => null },
    );
    expect(Array.from(m.gpt.param('h.1.mlp.c_fc.weight').dataSync())).toEqual(frozen);
    expect(Array.from(m.gpt.param('h.1.mlp.c_fc.lora_B').dataSync())).not.toEqual(adapterB);
    expect(logitsOf(m, 9)).not.toEqual(before);
    opt.dispose();
  });
});

describe('pooling', () => {
  it('last-token and mean read only real tokens, so extra padding changes nothing', () => {
    for (const pooling of ['last-token', 'mean'] as const) {
      const m = classifier(pooling);
      const a = logitsOf(m, 9);
      const b = logitsOf(m, 30);
      a.flat().forEach((v, i) => expect(v).toBeCloseTo(b.flat()[i], 5));
    }
  });
  it('last-position reads the padded row end, so padding matters (the book)', () => {
    const m = classifier('last-position');
    const a = logitsOf(m, 9).flat();
    const b = logitsOf(m, 30).flat();
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeGreaterThan(1e-4);
  });
});

describe('initialisation and dropout', () => {
  it('random weights are reproducible from the seed', async () => {
    const a = classifier('last-token', 7);
    const b = classifier('last-token', 7);
    const c = classifier('last-token', 8);
    const w = (m: SequenceClassifier) => m.gpt.param('h.1.mlp.c_fc.weight').dataSync();
    expect(Array.from(w(a))).toEqual(Array.from(w(b)));
    expect(Array.from(w(a))).not.toEqual(Array.from(w(c)));
    expect(logitsOf(a, 9)).toEqual(logitsOf(b, 9));
  });
  it('dropout is seeded: same seeds repeat, other seeds differ, rate 0 equals evaluation', () => {
    const m = classifier();
    const run = (rate: number, base: number) => {
      let s = base;
      return tf
        .tidy(() =>
          m
            .logits(
              idsTensor(padded(texts, 9)),
              texts.map((t) => t.length),
              { dropout: rate, seed: () => s++ },
            )
            .arraySync(),
        )
        .flat();
    };
    expect(run(0.2, 100)).toEqual(run(0.2, 100));
    expect(run(0.2, 100)).not.toEqual(run(0.2, 200));
    expect(run(0, 100)).toEqual(logitsOf(m, 9).flat());
  });
});

describe('training memory', () => {
  it.each([
    ['last block', { kind: 'last', blocks: 1 } as const],
    ['everything, embeddings included', { kind: 'all' } as const],
  ])('the tensor count stays constant across steps (%s)', (_name, spec) => {
    const m = classifier('last-token');
    const vars = m.setTrainable(spec);
    expect(vars.some((v) => v.name.endsWith('wte.weight'))).toBe(spec.kind === 'all');
    const initial = new Map(vars.map((v) => [v.name, tf.clone(v)]));
    const opt = new AdamW({ learningRate: 1e-3, weightDecay: 0.1 });
    const batch = { ids: padded(texts, 9), lengths: texts.map((t) => t.length), labels: [0, 1, 0] };
    let seed = 1;
    const ctx = { dropout: 0.1, seed: () => seed++ };
    const losses = [trainStep(m, opt, vars, batch, ctx)];
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) losses.push(trainStep(m, opt, vars, batch, ctx));
    expect(tf.memory().numTensors).toBe(after1);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]).toBeLessThan(losses[0]);
    // every trained variable moved, the embeddings included when they are trained
    for (const v of vars) expect(tf.tidy(() => tf.max(tf.abs(tf.sub(v, initial.get(v.name)!))).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([...initial.values()]);
    opt.dispose();
  });
});
