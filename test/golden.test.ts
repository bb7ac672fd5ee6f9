import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/core/model/backend.js';
import { loadGradients } from '../src/core/model/gradients.js';
import { tokenize, PAD_TOKEN } from '../src/core/data/tokenizer.js';
import { idsTensor } from '../src/core/model/ops.js';
import { trainStep } from '../src/core/train/step.js';
import { EVAL } from '../src/core/model/block.js';
import { golden, goldenClassifier, loadGoldenModel, transposed, worstDifference } from './support/golden.js';

/* The engine against an independent PyTorch float32 GPT-2 (../shared/fixtures/golden/README). */

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(worstDifference(actual, expected)).toBeLessThan(tol);
}

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

describe.each(Object.keys(golden.models))('%s language model', (name) => {
  it('tokenizes, and reproduces final-layer-norm hidden states and next-token logits', async () => {
    const gpt = await loadGoldenModel(name);
    for (const c of golden.models[name].lm) {
      expect(tokenize(c.text)).toEqual(c.ids);
      const [hidden, logits] = tf.tidy(() => {
        const h = tf.squeeze(gpt.forward(idsTensor([c.ids])), [0]) as tf.Tensor2D;
        const last = tf.slice(h, [c.ids.length - 1, 0], [1, -1]);
        return [h, tf.squeeze(gpt.lmLogits(last), [0])];
      });
      expect(hidden.shape).toEqual(c.hidden_shape);
      expectClose(await hidden.data(), c.hidden_last_layer, 1e-4);
      const l = (await logits.data()) as Float32Array;
      expectClose(l.slice(0, 16), c.last_logits_first16, 1e-4);
      expect(tf.tidy(() => tf.logSumExp(logits).dataSync()[0])).toBeCloseTo(c.last_logits_logsumexp, 4);
      const { values, indices } = tf.topk(logits, 5);
      expect(Array.from(await indices.data())).toEqual(c.last_top5_ids);
      expectClose(await values.data(), c.last_top5_logits, 1e-4);
      tf.dispose([hidden, logits, values, indices]);
    }
    gpt.dispose();
  });
});

describe.each(['classifier_last_position', 'classifier_last_token'] as const)('golden-gpt2 %s', (key) => {
  it('follows the PyTorch AdamW trajectory for 5 steps', async () => {
    const g = golden.models['golden-gpt2'][key]!;
    const { gpt, model, vars, batch, opt } = await goldenClassifier(g);
    const C = gpt.config.nEmbd;
    expect(g.pad_token).toBe(PAD_TOKEN);
    const losses = g.loss_before_each_step.map(() => trainStep(model, opt, vars, batch, EVAL));
    losses.forEach((l, i) => expect(Math.abs(l - g.loss_before_each_step[i]) / g.loss_before_each_step[i]).toBeLessThan(1e-4));
    const logits = tf.tidy(() => model.logits(idsTensor(batch.ids), batch.lengths));
    expectClose(await logits.data(), g.logits_after_steps, 1e-4);
    expectClose(transposed(Array.from(await model.headWeight.data()), C, 2), g.head_after_steps.weight, 1e-4);
    expectClose(await model.headBias.data(), g.head_after_steps.bias, 1e-4);
    expectClose(await gpt.param('ln_f.weight').data(), g.final_norm_after_steps.weight, 1e-4);
    expectClose(await gpt.param('ln_f.bias').data(), g.final_norm_after_steps.bias, 1e-4);
    logits.dispose();
    opt.dispose();
    model.dispose();
  });
});
