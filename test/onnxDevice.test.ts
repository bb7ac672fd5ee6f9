import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/core/model/backend.js';
import { customConfig } from '../src/core/model/config.js';
import { decideDevice, probeCuda } from '../src/core/model/onnx/device.js';
import { GPT2 } from '../src/core/model/gpt2.js';
import { loadGradients } from '../src/core/model/gradients.js';
import { crossEntropy, idsTensor } from '../src/core/model/ops.js';
import { initDevice, loadOnnxRuntime } from '../src/core/model/onnx/session.js';
import { OnnxTrainStep } from '../src/core/model/onnx/trainRunner.js';
import { SequenceClassifier } from '../src/core/model/sequenceClassifier.js';
import { runWorkbench } from './support/cli.js';
import { goldenDir } from './support/golden.js';

/* ONNX Runtime's device on this machine: CUDA where it loads, else the CPU with the reason. */

const cuda = await probeCuda(await loadOnnxRuntime());
const why = cuda.loaded ? null : cuda.reason;

beforeAll(async () => {
  await initBackend(process.env.WORKBENCH_BACKEND ?? 'wasm');
  await loadGradients();
});

describe('probing CUDA', () => {
  it('gives a one-line reason when CUDA does not load, and the decision keeps it', () => {
    if (cuda.loaded) return expect(decideDevice(undefined, cuda).device).toBe('cuda');
    expect(cuda.reason).toMatch(/\S/);
    expect(cuda.reason).not.toContain('\n');
    expect(decideDevice(undefined, cuda)).toEqual({ device: 'cpu', reason: `CUDA did not load: ${cuda.reason}` });
  });
});

describe.skipIf(cuda.loaded)(`where CUDA does not load (here: ${why})`, () => {
  it('WORKBENCH_DEVICE=cuda ends a command with one line saying why; cpu and the default run on the CPU', async () => {
    const forward = (device: string) =>
      runWorkbench(
        [
          'forward',
          ...['--weights', path.join(goldenDir, 'golden-gpt2.safetensors')],
          ...['--config', path.join(goldenDir, 'golden-gpt2.config.json')],
          ...['--ids', '6109,3626', '--json'],
        ],
        { env: { WORKBENCH_DEVICE: device, WORKBENCH_INFERENCE: 'onnx' } },
      );
    const [cudaRun, cpuRun, defaultRun] = await Promise.all([forward('cuda'), forward('cpu'), forward('')]);
    expect(cudaRun.code).not.toBe(0);
    expect(cudaRun.stderr.trim().split('\n')).toEqual([`workbench: WORKBENCH_DEVICE=cuda, but CUDA did not load: ${why}`]);
    expect(cpuRun.code).toBe(0);
    expect(defaultRun.code).toBe(0);
  }, 60_000);
});

describe.skipIf(!cuda.loaded)(`on a machine where CUDA loads${why ? ` (skipped here: ${why})` : ''}`, () => {
  it("runs the training step there by default, with tfjs's loss and gradients within 1e-4", async () => {
    expect(await initDevice()).toEqual({ device: 'cuda', reason: null });
    const m = new SequenceClassifier(GPT2.random(customConfig({ nLayer: 2, nEmbd: 16, nHead: 4, nPositions: 32 }), 3), 2, 'last-token', 5);
    const vars = m.setTrainable({ kind: 'last', blocks: 1 });
    const batch = {
      ids: [
        [5, 17, 300, 2],
        [8, 1, 50256, 50256],
      ],
      lengths: [4, 2],
      labels: [1, 0],
    };
    const hidden = tf.tidy(() => m.prefix(idsTensor(batch.ids), 1));
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(m.logitsFrom(hidden, 1, batch.lengths), tf.tensor1d(batch.labels, 'int32')),
      vars,
    );
    const step = await OnnxTrainStep.create(m, 1);
    const onnx = await step.run((await hidden.data()) as Float32Array, 4, batch.lengths, batch.labels);
    expect(Math.abs(onnx.loss - (await value.data())[0])).toBeLessThan(1e-4);
    const names = new Map([...m.namedParams()].map(([name, v]) => [v.name, name]));
    for (const [varName, g] of Object.entries(grads)) {
      const expected = await g.data();
      const actual = onnx.grads.get(names.get(varName)!)!;
      expect(Math.max(...expected.map((x, i) => Math.abs(x - actual[i])))).toBeLessThan(1e-4);
    }
    await step.dispose();
    tf.dispose([hidden, value, grads]);
    m.dispose();
  });
});
