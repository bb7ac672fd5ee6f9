import * as tf from '@tensorflow/tfjs-core';
import type { ClassifierRunner } from '../../core/model/classifierRunner.js';
import { customConfig, type GPT2Config } from '../../core/model/config.js';
import { gpt2ParameterShapes } from '../../core/model/gpt2Checkpoint.js';
import { sizeOf, type TensorMap } from '../../core/model/tensorMap.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../../core/model/trainable.js';
import { GPT2 } from '../../core/model/gpt2.js';
import type { InferenceChoice } from '../../core/model/inference.js';
import { Gpt2Session } from '../../core/model/onnx/session.js';
import { OnnxTop } from '../../core/model/onnx/topRunner.js';
import { OnnxTrainStep } from '../../core/model/onnx/trainRunner.js';
import { inferenceWeights } from '../../core/model/onnx/weights.js';
import { SequenceClassifier } from '../../core/model/sequenceClassifier.js';
import { AdamW } from '../../core/train/adamw.js';
import { HostAdamW } from '../../core/train/hostAdamW.js';
import type { BatchCost } from '../../core/train/recipeProjection.js';
import { onnxTrainStep, trainStep } from '../../core/train/step.js';

/** The shapes every figure is measured at: GPT-2 small's width and heads, the book's batch. */
export const BATCH = 8;
// A one-entry vocabulary: the embedding table plays no part in a block's cost.
export const GPT2_SMALL_BLOCK = { ...customConfig({ nLayer: 1, nEmbd: 768, nHead: 12 }), vocabSize: 1 };
/** Two lengths span the costs in between: the book's padded 120 and a typical SMS's ~32. */
export const [SHORT, LONG] = [32, 120];

/** Median seconds of `repeats` runs, after one warm-up run (kernel compilation, first allocations) unless told not to. */
export async function medianSeconds(repeats: number, fn: () => unknown, warmUp = true): Promise<number> {
  if (warmUp) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await fn();
    times.push((performance.now() - started) / 1000);
  }
  return median(times);
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A batch of BATCH rows of T tokens (token 0: the benches' one-entry vocabulary), labels alternating. */
export function benchBatch(T: number) {
  return {
    ids: Array.from({ length: BATCH }, () => Array<number>(T).fill(0)),
    lengths: Array<number>(BATCH).fill(T),
    labels: Array.from({ length: BATCH }, (_, i) => i % 2),
  };
}

/** A cost per batch from seconds measured at BATCH rows of SHORT and LONG tokens: linear in rows and in length. */
export interface CostCurve {
  short: number;
  long: number;
  cost: BatchCost;
}

/** measure(T, warmUp): the short run warms the kernels up for the long one. */
async function curve(measure: (T: number, warmUp: boolean) => Promise<number>): Promise<CostCurve> {
  const short = await measure(SHORT, true);
  const long = await measure(LONG, false);
  const perBatch = (T: number) => (T < SHORT ? (short * T) / SHORT : short + ((long - short) * (T - SHORT)) / (LONG - SHORT));
  return { short, long, cost: (b, T) => (b / BATCH) * perBatch(T) };
}

export interface BlockFigures {
  /** One frozen block's forward on the inference path. */
  frozenBlock: CostCurve;
  /** A training step of the trainable top (last block + final norm + head) from cached hidden states, on the inference path. */
  trainStep: CostCurve;
  /** An evaluation forward of the top on the inference path, and the seconds to build its graph (ONNX). */
  evalForward: CostCurve;
  evalSetupSeconds: number;
  /**
   * The ONNX step's seconds outside its graph's run at BATCH × LONG (clipping, AdamW, feeding the weights), the
   * median over steps; null on tfjs.
   */
  hostSecondsPerStep: number | null;
}

/** One GPT-2-small block, random weights, as the book trains the last block: its input comes from the prefix cache. */
export async function blockFigures(inference: InferenceChoice, repeats: number, note: (text: string) => void): Promise<BlockFigures> {
  const model = new SequenceClassifier(GPT2.random(GPT2_SMALL_BLOCK, 1), 2, 'last-position', 1);
  const vars = model.setTrainable({ kind: 'last', blocks: 1 });
  const optimizer = new AdamW({ learningRate: 5e-5, weightDecay: 0.1 });
  const session =
    inference === 'onnx'
      ? await Gpt2Session.create(GPT2_SMALL_BLOCK, await inferenceWeights(model, (n) => n.startsWith('h.0.')), {
          from: 0,
          to: 1,
          input: 'hidden',
          hidden: true,
        })
      : null;
  // The step follows the inference path, as in a run (train/trainPath.ts).
  const onnxStep = inference === 'onnx' ? await OnnxTrainStep.create(model, 0, 'hidden') : null;
  const hostOptimizer = onnxStep && HostAdamW.forStep(model, optimizer, onnxStep);
  const hiddenOf = (T: number) => tf.randomNormal([BATCH, T, 768], 0, 1, 'float32', 7) as tf.Tensor3D;
  // ONNX Runtime's passes take a tenth of a second: timing more of them costs little and steadies the median.
  const forwardRepeats = inference === 'onnx' ? Math.max(repeats, 5) : repeats;
  const withHidden = (T: number, warmUp: boolean, times: number, fn: (hidden: tf.Tensor3D, host: Float32Array) => unknown) => async () => {
    const hidden = hiddenOf(T);
    const host = hidden.dataSync() as Float32Array;
    try {
      return await medianSeconds(times, () => fn(hidden, host), warmUp);
    } finally {
      hidden.dispose();
    }
  };
  try {
    note(`frozen block forward (${inference})`);
    const frozenBlock = await curve((T, warmUp) =>
      withHidden(T, warmUp, forwardRepeats, async (hidden, host) => {
        if (session) return session.run({ hidden_in: session.float(host, [BATCH, T, 768]) }, ['hidden']);
        const out = tf.tidy(() => model.gpt.runBlocks(hidden, 0, 1));
        await out.data();
        out.dispose();
      })(),
    );
    note(`training step of the top block (${inference})`);
    const train = await curve((T, warmUp) =>
      withHidden(T, warmUp, repeats, (hidden, host) =>
        onnxStep && hostOptimizer
          ? onnxTrainStep(hostOptimizer, onnxStep, benchBatch(T), host)
          : trainStep(model, optimizer, vars, benchBatch(T), { dropout: 0, seed: () => null }, { prefix: { hidden, k: 0 } }),
      )(),
    );
    const hostSecondsPerStep = onnxStep && hostOptimizer ? await hostSeconds(onnxStep, hostOptimizer, forwardRepeats) : null;
    note(`evaluation forward of the top block (${inference})`);
    const tops: OnnxTop[] = [];
    const evalSetupSeconds =
      inference === 'onnx' ? await medianSeconds(forwardRepeats, async () => tops.push(await OnnxTop.create(model, 0))) : 0;
    const top = tops.pop() ?? null;
    await Promise.all(tops.map((t) => t.dispose()));
    const evalForward = await curve((T, warmUp) =>
      withHidden(T, warmUp, forwardRepeats, async (hidden, host) => {
        const { lengths } = benchBatch(T);
        if (top) return top.logits(host, T, lengths);
        const logits = tf.tidy(() => model.logitsFrom(hidden, 0, lengths));
        await logits.data();
        logits.dispose();
      })(),
    );
    await top?.dispose();
    return { frozenBlock, trainStep: train, evalForward, evalSetupSeconds, hostSecondsPerStep };
  } finally {
    await session?.dispose();
    await onnxStep?.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/** BlockFigures' hostSecondsPerStep: each ONNX step at BATCH × LONG less the time inside its graph's run. */
async function hostSeconds(runner: OnnxTrainStep, optimizer: HostAdamW, repeats: number): Promise<number> {
  const host = tf.tidy(() => tf.randomNormal([BATCH, LONG, 768], 0, 1, 'float32', 7).dataSync() as Float32Array);
  const batch = benchBatch(LONG);
  let inGraph = 0;
  const timed: Pick<OnnxTrainStep, 'run'> = {
    run: async (...args) => {
      const started = performance.now();
      const out = await runner.run(...args);
      inGraph = (performance.now() - started) / 1000;
      return out;
    },
  };
  const outside: number[] = [];
  for (let i = 0; i < repeats; i++)
    outside.push((await medianSeconds(1, () => onnxTrainStep(optimizer, timed, batch, host), false)) - inGraph);
  return median(outside);
}

/** Milliseconds of classifying one text at a time with a loaded classifier: p50 and p95. */
export async function classifyLatency(runner: ClassifierRunner, texts: string[]): Promise<{ p50: number; p95: number }> {
  await runner.classify([texts[0]]);
  const ms: number[] = [];
  for (const text of texts) {
    const started = performance.now();
    await runner.classify([text]);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)];
  return { p50: at(0.5), p95: at(0.95) };
}

/**
 * GPT-2 weights plus a 2-class head filled with small random values host-side: costs do not depend
 * on the values, and tfjs never has to hold (or generate) half a gigabyte it will not use.
 */
export function randomHostWeights(config: GPT2Config, numClasses: number): TensorMap {
  let state = 1;
  const next = () => {
    // xorshift32: fast and good enough for values no result depends on.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32 - 0.5;
  };
  const shapes = new Map([...gpt2ParameterShapes(config), [HEAD_WEIGHT, [config.nEmbd, numClasses]], [HEAD_BIAS, [numClasses]]]);
  const out: TensorMap = new Map();
  for (const [name, shape] of shapes) {
    const data = new Float32Array(sizeOf(shape));
    if (/ln_(\d|f)\.weight$/.test(name)) data.fill(1);
    else for (let i = 0; i < data.length; i++) data[i] = 0.04 * next();
    out.set(name, { shape, data });
  }
  return out;
}
