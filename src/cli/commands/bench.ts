import { access, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { parseRunConfig, type RunConfigInput } from '../../common/runConfig.js';
import { smsSpamPath } from '../../core/data/smsSpam.js';
import { describeCause } from '../../core/errorReasons.js';
import { WorkbenchError } from '../../core/errors.js';
import { initBackend } from '../../core/model/backend.js';
import { loadGradients } from '../../core/model/gradients.js';
import { SequenceClassifier } from '../../core/model/sequenceClassifier.js';
import { customConfig } from '../../core/model/config.js';
import { GPT2 } from '../../core/model/gpt2.js';
import { AdamW } from '../../core/train/adamw.js';
import { runTraining } from '../../core/train/run.js';
import { trainStep } from '../../core/train/step.js';
import { printJson, type Command } from '../command.js';

const USAGE = `workbench bench [--quick] [--sms-file FILE]

Measures this machine and prints one JSON object: the backend; one GPT-2-small-shaped block
(768 wide, 12 heads, batch 8) training step and forward pass at 120 and 32 tokens (median of 3
after a warm-up); a 960×768 · 768×3072 matMul in GFLOP/s; and a small SMS spam training run
(2 layers, 64 wide, random weights, 3 epochs: seconds, test accuracy, tokens/s).
  --quick           skip the training run (about a minute less)
  --sms-file FILE   the UCI SMSSpamCollection file to train on, so the run needs no download and
                    leaves the cache alone (default: the cached copy, downloaded on first use)`;

const REPEATS = 3;
const BATCH = 8;
const SEQUENCE_LENGTHS = [120, 32];

/** A small run of issue 3's proof: random weights, so it needs no download; about 88–93% test accuracy. */
const SMS_RUN: RunConfigInput = {
  model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4 }, weights: 'random' },
  trainable: { kind: 'all' },
  pooling: 'last-token',
  learningRate: 1e-3,
  epochs: 3,
};

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure training and inference speed on this machine (one JSON object)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, 'sms-file': { type: 'string' } } });
    const smsFile = values['sms-file'];
    // Checked before the minute of measurements, not after it.
    if (smsFile) await access(smsFile).catch((err: unknown) => {
      throw new WorkbenchError(`bench: cannot read --sms-file ${smsFile}: ${describeCause(err)}`, { cause: err });
    });
    const backend = await initBackend();
    await loadGradients();
    const note = (text: string) => process.stderr.write(`bench: ${text}\n`);
    note(`backend ${backend}; one GPT-2-small block, batch ${BATCH}`);
    const block = SEQUENCE_LENGTHS.map(blockFigures);
    note('matMul 960×768 · 768×3072');
    const matMul = matMulFigures();
    let smsTraining: object = { skipped: '--quick' };
    if (!values.quick) {
      note('training the small SMS spam classifier (3 epochs)');
      smsTraining = await smsFigures(smsFile);
    }
    printJson({ backend, repeats: REPEATS, block, matMul, smsTraining });
    return 0;
  },
};

/** Median seconds of REPEATS runs after one warm-up run (kernel compilation, first allocations). */
function medianSeconds(fn: () => void): number {
  fn();
  const times = Array.from({ length: REPEATS }, () => {
    const started = performance.now();
    fn();
    return (performance.now() - started) / 1000;
  });
  return times.sort((a, b) => a - b)[Math.floor(REPEATS / 2)];
}

/** One block trained as the book trains the last block: the embeddings come in as a fixed prefix (k = 0). */
function blockFigures(T: number): { T: number; trainStepSeconds: number; forwardSeconds: number } {
  const model = new SequenceClassifier(GPT2.random(customConfig({ nLayer: 1, nEmbd: 768, nHead: 12 }), 1), 2, 'last-position', 1);
  const vars = model.setTrainable({ kind: 'last', blocks: 1 });
  const optimizer = new AdamW({ learningRate: 5e-5, weightDecay: 0.1 });
  const hidden = tf.randomNormal([BATCH, T, 768], 0, 1, 'float32', 7) as tf.Tensor3D;
  const batch = { ids: Array.from({ length: BATCH }, () => Array<number>(T).fill(0)), lengths: Array<number>(BATCH).fill(T), labels: Array.from({ length: BATCH }, (_, i) => i % 2) };
  try {
    const trainStepSeconds = medianSeconds(() => trainStep(model, optimizer, vars, batch, { dropout: 0, seed: () => null }, { prefix: { hidden, k: 0 } }));
    const forwardSeconds = medianSeconds(() => {
      const logits = tf.tidy(() => model.logitsFrom(hidden, 0, batch.lengths));
      logits.dataSync(); // waits for the backend to finish
      logits.dispose();
    });
    return { T, trainStepSeconds: round(trainStepSeconds), forwardSeconds: round(forwardSeconds) };
  } finally {
    hidden.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

function matMulFigures(): { shape: string; seconds: number; gflops: number } {
  const [m, k, n] = [960, 768, 3072];
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  try {
    const seconds = medianSeconds(() => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    });
    return { shape: `${m}x${k} · ${k}x${n}`, seconds: round(seconds), gflops: round((2 * m * k * n) / seconds / 1e9, 1) };
  } finally {
    tf.dispose([a, b]);
  }
}

async function smsFigures(smsFile: string | undefined): Promise<object> {
  const parsed = parseRunConfig(SMS_RUN);
  if (!parsed.ok) throw new WorkbenchError(`bench: ${parsed.error}`);
  // A temporary cache holding only the given copy keeps the run offline and the user's cache untouched.
  const cacheDir = smsFile ? await mkdtemp(path.join(os.tmpdir(), 'workbench-bench-')) : undefined;
  try {
    if (smsFile && cacheDir) {
      await mkdir(path.dirname(smsSpamPath(cacheDir)), { recursive: true });
      await copyFile(smsFile, smsSpamPath(cacheDir));
    }
    let tokensPerSecond = 0;
    const result = await runTraining(parsed.config, {
      cacheDir,
      onEvent: (e) => {
        if (e.kind === 'step') tokensPerSecond = e.tokensPerSecond;
      },
    });
    return {
      data: smsFile ?? smsSpamPath(),
      seconds: round(result.seconds, 1),
      trainSeconds: round(result.outcome.trainSeconds, 1),
      steps: result.outcome.steps,
      testAccuracy: round(result.outcome.final.test.accuracy),
      tokensPerSecond: Math.round(tokensPerSecond),
    };
  } finally {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  }
}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}
