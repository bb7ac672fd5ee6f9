import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pooling, Trainable } from '../src/common/modelSpec.js';
import { PAD_TOKEN } from '../src/core/data/tokenizer.js';
import { initBackend } from '../src/core/model/backend.js';
import { classifierRunner } from '../src/core/model/classifierRunner.js';
import { customConfig } from '../src/core/model/config.js';
import { GPT2 } from '../src/core/model/gpt2.js';
import { loadGradients } from '../src/core/model/gradients.js';
import { initInference } from '../src/core/model/inference.js';
import { OnnxClassifier } from '../src/core/model/onnx/onnxClassifier.js';
import { prefixRunner } from '../src/core/model/onnx/prefixRunner.js';
import { OnnxTop } from '../src/core/model/onnx/topRunner.js';
import { Gpt2Session } from '../src/core/model/onnx/session.js';
import { OnnxTrainStep } from '../src/core/model/onnx/trainRunner.js';
import { loadClassifier, saveClassifier } from '../src/core/model/savedClassifier.js';
import { SequenceClassifier } from '../src/core/model/sequenceClassifier.js';
import { EVAL } from '../src/core/model/block.js';
import { idsTensor } from '../src/core/model/ops.js';
import { AdamW } from '../src/core/train/adamw.js';
import { HostAdamW } from '../src/core/train/hostAdamW.js';
import { onnxTrainStep, trainStep } from '../src/core/train/step.js';
import { lastJson, runWorkbench } from './support/cli.js';
import {
  golden,
  goldenClassifier,
  goldenDir,
  loadGoldenCheckpoint,
  loadGoldenModel,
  transposed,
  worstDifference,
} from './support/golden.js';
import { tinyClassifier } from './support/tinyClassifier.js';

/* The ONNX Runtime path against the same PyTorch goldens as the tfjs path (test/golden.test.ts). */

function top5(values: Float32Array): number[] {
  return Array.from(values.keys())
    .sort((a, b) => values[b] - values[a])
    .slice(0, 5);
}

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

/** A classifier trained a few steps on tfjs, so its weights (and LoRA adapters) are nobody's initialisation. */
function trainedTiny(spec: Trainable, pooling: Pooling = 'last-token'): SequenceClassifier {
  const m = new SequenceClassifier(GPT2.random(customConfig({ nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 64 }), 11), 2, pooling, 3);
  const vars = m.setTrainable(spec);
  const opt = new AdamW({ learningRate: 1e-2, weightDecay: 0.1 });
  const batch = {
    ids: [
      [464, 3290, 318, 257, 1332, 50256],
      [40, 1842, 50256, 50256, 50256, 50256],
    ],
    lengths: [5, 2],
    labels: [1, 0],
  };
  for (let i = 0; i < 3; i++) trainStep(m, opt, vars, batch, { dropout: 0, seed: () => null });
  opt.dispose();
  return m;
}

const TEXTS = [
  'WINNER!! You have won a prize, call now',
  'Are we still meeting for lunch tomorrow?',
  'ok',
  'Free entry in 2 a wkly comp to win FA Cup final tkts',
];

describe.each(Object.keys(golden.models))('%s on ONNX Runtime', (name) => {
  it('reproduces final-layer-norm hidden states and next-token logits', async () => {
    const m = golden.models[name];
    const { config, tensors } = await loadGoldenCheckpoint(name);
    const session = await Gpt2Session.create(config, tensors, { from: 0, to: config.nLayer, normed: true, lmLast: true });
    for (const c of m.lm) {
      const { normed, lm_last } = await session.run({ ids: session.ids([c.ids]) }, ['normed', 'lm_last']);
      expect(normed.dims).toEqual([1, ...c.hidden_shape]);
      expect(worstDifference(normed.data, c.hidden_last_layer)).toBeLessThan(1e-4);
      expect(worstDifference(lm_last.data.slice(0, 16), c.last_logits_first16)).toBeLessThan(1e-4);
      const best = top5(lm_last.data);
      expect(best).toEqual(c.last_top5_ids);
      expect(
        worstDifference(
          best.map((i) => lm_last.data[i]),
          c.last_top5_logits,
        ),
      ).toBeLessThan(1e-4);
    }
    await session.dispose();
  });
});

describe.each(['classifier_last_position', 'classifier_last_token'] as const)('golden-gpt2 %s on ONNX Runtime', (key) => {
  it('gives the PyTorch logits after the 5 AdamW steps (trained on tfjs)', async () => {
    const g = golden.models['golden-gpt2'][key]!;
    const { model, vars, batch, opt } = await goldenClassifier(g);
    for (let i = 0; i < g.loss_before_each_step.length; i++) trainStep(model, opt, vars, batch, { dropout: 0, seed: () => null });
    const onnx = await OnnxClassifier.create(model);
    expect(worstDifference(await onnx.logits(batch.ids, batch.lengths), g.logits_after_steps)).toBeLessThan(1e-4);
    await onnx.dispose();
    opt.dispose();
    model.dispose();
  });

  it('follows the PyTorch 5-step AdamW trajectory with prefix and step on ONNX Runtime, AdamW on the host arrays', async () => {
    const g = golden.models['golden-gpt2'][key]!;
    const { model, batch, opt } = await goldenClassifier(g);
    const k = model.frozenPrefix();
    const prefix = await prefixRunner(model, k, 'onnx');
    const hidden = await prefix.run({ ids: batch.ids });
    const step = await OnnxTrainStep.create(model, k);
    const host = HostAdamW.forStep(model, opt, step);
    const losses = [];
    for (let i = 0; i < g.loss_before_each_step.length; i++) losses.push(await onnxTrainStep(host, step, batch, hidden));
    await host.syncToModel();
    losses.forEach((l, i) => expect(Math.abs(l - g.loss_before_each_step[i]) / g.loss_before_each_step[i]).toBeLessThan(1e-4));
    const onnx = await OnnxClassifier.create(model);
    expect(worstDifference(await onnx.logits(batch.ids, batch.lengths), g.logits_after_steps)).toBeLessThan(1e-4);
    const C = model.gpt.config.nEmbd;
    expect(worstDifference(transposed(Array.from(await model.headWeight.data()), C, 2), g.head_after_steps.weight)).toBeLessThan(1e-4);
    expect(worstDifference(await model.headBias.data(), g.head_after_steps.bias)).toBeLessThan(1e-4);
    expect(worstDifference(await model.gpt.param('ln_f.weight').data(), g.final_norm_after_steps.weight)).toBeLessThan(1e-4);
    expect(worstDifference(await model.gpt.param('ln_f.bias').data(), g.final_norm_after_steps.bias)).toBeLessThan(1e-4);
    await Promise.all([onnx.dispose(), step.dispose(), prefix.dispose()]);
    opt.dispose();
    model.dispose();
  });
});

describe('ONNX and tfjs on the same model', () => {
  it('the frozen prefix (blocks [0, 2) of the golden GPT-2) agrees within 1e-4', async () => {
    const model = new SequenceClassifier(await loadGoldenModel('golden-gpt2'), 2, 'last-position', 0);
    model.setTrainable({ kind: 'last', blocks: 1 });
    const texts = golden.models['golden-gpt2'].lm.map((c) => c.ids);
    const T = Math.max(...texts.map((t) => t.length)) + 2;
    const ids = texts.map((t) => [...t, ...Array<number>(T - t.length).fill(PAD_TOKEN)]);
    const [onnx, tfjs] = await Promise.all([prefixRunner(model, 2, 'onnx'), prefixRunner(model, 2, 'tfjs')]);
    const [a, b] = [await onnx.run({ ids }), await tfjs.run({ ids })];
    expect(a.length).toBe(ids.length * T * model.gpt.config.nEmbd);
    expect(worstDifference(a, b)).toBeLessThan(1e-4);
    await Promise.all([onnx.dispose(), tfjs.dispose()]);
    model.dispose();
  });

  it.each(['last-position', 'last-token', 'mean'] as const)(
    'the evaluation top from cached states, %s pooling, agrees within 1e-4 with one block or none above the cache',
    async (pooling) => {
      const model = trainedTiny({ kind: 'last', blocks: 1 }, pooling);
      const { nLayer, nEmbd } = model.gpt.config;
      const ids = [
        [464, 3290, 318, 257, 1332, 50256],
        [40, 1842, 50256, 50256, 50256, 50256],
      ];
      const lengths = [5, 2];
      // nLayer - 1: the last block runs on ONNX Runtime (for one position when the pooling picks one); nLayer: norm and head only.
      for (const k of [nLayer - 1, nLayer]) {
        const [hidden, expected] = tf.tidy(() => {
          const h = model.prefix(idsTensor(ids), k, EVAL);
          return [h.dataSync() as Float32Array, model.logitsFrom(h, k, lengths, EVAL).dataSync() as Float32Array];
        });
        const top = await OnnxTop.create(model, k);
        const logits = await top.logits(hidden, ids[0].length, lengths);
        expect(logits.length).toBe(ids.length * model.numClasses);
        expect(worstDifference(logits, expected)).toBeLessThan(1e-4);
        expect(hidden.length).toBe(ids.length * ids[0].length * nEmbd);
        await top.dispose();
      }
      model.dispose();
    },
  );

  it.each([
    ['the tiny classifier', () => tinyClassifier()],
    ['a LoRA classifier (adapters merged into the graph)', () => trainedTiny({ kind: 'lora', rank: 4, alpha: 8 })],
    ['a last-block classifier', () => trainedTiny({ kind: 'last', blocks: 1 })],
    ['a mean-pooling classifier', () => trainedTiny({ kind: 'last', blocks: 1 }, 'mean')],
    ['a last-position classifier (padded to its max length)', () => trainedTiny({ kind: 'head+norm' }, 'last-position')],
  ])('classify with %s gives the same labels and probabilities within 1e-4', async (_name, make) => {
    const model = make();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wb-onnx-'));
    await saveClassifier(dir, model, { base: { kind: 'none' }, labels: ['ham', 'spam'], maxLength: model.gpt.config.nPositions });
    model.dispose();
    const [onnx, tfjs] = [
      await classifierRunner(await loadClassifier(dir), 'onnx'),
      await classifierRunner(await loadClassifier(dir), 'tfjs'),
    ];
    const [a, b] = [await onnx.classify(TEXTS), await tfjs.classify(TEXTS)];
    expect(a.map((p) => p.label)).toEqual(b.map((p) => p.label));
    for (let i = 0; i < TEXTS.length; i++) {
      expect(
        worstDifference([a[i].probabilities.ham, a[i].probabilities.spam], [b[i].probabilities.ham, b[i].probabilities.spam]),
      ).toBeLessThan(1e-4);
    }
    onnx.dispose();
    tfjs.dispose();
  });
});

describe('choosing the inference path', () => {
  it('an unknown WORKBENCH_INFERENCE is refused with the choices', async () => {
    await expect(initInference('metal')).rejects.toThrow('unknown inference path "metal"; choose one of onnx, tfjs');
  });

  const forward = (env: NodeJS.ProcessEnv) =>
    runWorkbench(
      [
        'forward',
        '--weights',
        path.join(goldenDir, 'golden-gpt2.safetensors'),
        '--config',
        path.join(goldenDir, 'golden-gpt2.config.json'),
        '--ids',
        '6109,3626,6100,345',
        '--json',
      ],
      { env },
    );

  it('ONNX Runtime by default; WORKBENCH_INFERENCE=tfjs forces the tfjs path; both reproduce the golden', async () => {
    const expected = golden.models['golden-gpt2'].lm[0];
    const [byDefault, forced] = await Promise.all([forward({ WORKBENCH_INFERENCE: '' }), forward({ WORKBENCH_INFERENCE: 'tfjs' })]);
    for (const [run, inference] of [
      [byDefault, 'onnx'],
      [forced, 'tfjs'],
    ] as const) {
      const out = lastJson(run);
      expect(out.inference).toBe(inference);
      expect(worstDifference(out.hidden as number[], expected.hidden_last_layer)).toBeLessThan(1e-4);
      expect((out.top5 as { id: number }[]).map((t) => t.id)).toEqual(expected.last_top5_ids);
    }
  }, 60_000);
});
