import type { Trainable } from '../../common/modelSpec.js';
import { GPT2 } from '../../core/model/gpt2.js';
import { droppedBlocksRunner } from '../../core/model/onnx/prefixRunner.js';
import { OnnxTop } from '../../core/model/onnx/topRunner.js';
import { OnnxTrainStep } from '../../core/model/onnx/trainRunner.js';
import { SequenceClassifier } from '../../core/model/sequenceClassifier.js';
import { AdamW } from '../../core/train/adamw.js';
import { dropoutContext } from '../../core/train/schedule.js';
import { HostAdamW } from '../../core/train/hostAdamW.js';
import { onnxTrainStep } from '../../core/train/step.js';
import { BATCH, benchBatch, GPT2_SMALL_BLOCK, LONG, medianSeconds } from './measure.js';

/*
 * The step kinds of a grid's runs on ONNX Runtime, each timed on GPT-2-small shapes at the book's 8 × 120
 * (book mode pads every batch to 120, so one length is all a book-mode projection prices).
 */

/** The grid's dropout (issue 18), in scope `all`. */
export const GRID_DROPOUT = 0.1;

/** Seconds of one batch of 8 × 120 for a run with `trained` blocks above its frozen prefix (0: the head only). */
export interface TopFigures {
  trained: number;
  step: number;
  /** The same step with dropout masks drawn and fed (scope `all`: every site of the top drops). */
  stepDropout: number;
  /** An evaluation forward of the top, and the seconds to build its graph (once per evaluation point). */
  evalForward: number;
  evalSetup: number;
}

export interface StepKinds {
  tops: TopFigures[];
  /** One frozen block's forward with its dropout masks (scope `all`: run at every training step). */
  droppedBlock: number;
  /** The book's run with dropout in scope `all`: its 11 frozen blocks forward with masks, then the top's step with masks. */
  bookDropoutStep: number;
  /** A LoRA step (rank 8, alpha 16, the last block's adapters) from the cached hidden states, as the book's last-block step. */
  loraStep: number;
  /** A LoRA step (rank 8, alpha 16) of the whole of GPT-2 small from the ids: every block's adapters train. */
  loraStepAllBlocks: number;
}

const optimizerOf = () => new AdamW({ learningRate: 5e-5, weightDecay: 0.1 });

/** A GPT-2-small-wide classifier of `nLayer` blocks with `trainable` set, on random weights. */
function benchModel(nLayer: number, trainable: Trainable): SequenceClassifier {
  const model = new SequenceClassifier(GPT2.random({ ...GPT2_SMALL_BLOCK, nLayer }, 1), 2, 'last-position', 1);
  model.setTrainable(trainable);
  return model;
}

/** Seeds a fresh set of masks at every call, as a run's steps do (drawing them is part of a step's cost). */
function maskSeeds(frozen: number) {
  let step = 0;
  return () => dropoutContext({ dropout: GRID_DROPOUT, seed: 1 }, frozen, step++);
}

/** The top of a run training its last `trained` blocks, timed from hidden states as a run's steps start from its cache. */
async function topFigures(trained: number, repeats: number): Promise<TopFigures> {
  const model = benchModel(Math.max(trained, 1), trained === 0 ? { kind: 'head' } : { kind: 'last', blocks: trained });
  const k = model.frozenPrefix();
  const optimizer = optimizerOf();
  const hidden = Float32Array.from({ length: BATCH * LONG * GPT2_SMALL_BLOCK.nEmbd }, (_, i) => Math.sin(i));
  const batch = benchBatch(LONG);
  const plain = await OnnxTrainStep.create(model, k, 'hidden');
  const dropped = await OnnxTrainStep.create(model, k, 'hidden', GRID_DROPOUT);
  const ctx = maskSeeds(k);
  try {
    const plainOptimizer = HostAdamW.forStep(model, optimizer, plain);
    const droppedOptimizer = HostAdamW.forStep(model, optimizer, dropped);
    const step = await medianSeconds(repeats, () => onnxTrainStep(plainOptimizer, plain, batch, hidden));
    const stepDropout = await medianSeconds(repeats, () => onnxTrainStep(droppedOptimizer, dropped, batch, hidden, null, ctx()));
    const evalSetup = await medianSeconds(repeats, async () => (await OnnxTop.create(model, k)).dispose(), false);
    const top = await OnnxTop.create(model, k);
    const evalForward = await medianSeconds(Math.max(repeats, 5), () => top.logits(hidden, LONG, batch.lengths));
    await top.dispose();
    return { trained, step, stepDropout, evalForward, evalSetup };
  } finally {
    await plain.dispose();
    await dropped.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

async function droppedBlockSeconds(repeats: number): Promise<number> {
  const model = benchModel(1, { kind: 'head' });
  const runner = await droppedBlocksRunner(model, 0, 1, GRID_DROPOUT);
  const { ids } = benchBatch(LONG);
  const ctx = maskSeeds(0);
  try {
    return await medianSeconds(Math.max(repeats, 3), () => runner.run({ ids }, ctx()));
  } finally {
    await runner.dispose();
    model.dispose();
  }
}

/** A step as the ONNX engine takes it (train/stepEngine.ts) for the book's selection with dropout in every block. */
async function bookDropoutStepSeconds(repeats: number): Promise<number> {
  const model = benchModel(12, { kind: 'last', blocks: 1 });
  const k = model.frozenPrefix();
  const optimizer = optimizerOf();
  const prefix = await droppedBlocksRunner(model, 0, k, GRID_DROPOUT);
  const top = await OnnxTrainStep.create(model, k, 'hidden', GRID_DROPOUT);
  const batch = benchBatch(LONG);
  const ctx = maskSeeds(k);
  const hostOptimizer = HostAdamW.forStep(model, optimizer, top);
  try {
    return await medianSeconds(repeats, async () => {
      const masks = ctx();
      return onnxTrainStep(hostOptimizer, top, batch, await prefix.run({ ids: batch.ids }, masks), null, masks);
    });
  } finally {
    await prefix.dispose();
    await top.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/** A LoRA step (rank 8, alpha 16) of GPT-2 small: adapters on the last `blocks` blocks from their frozen prefix's hidden states, or on every block from the ids. */
async function loraStepSeconds(repeats: number, blocks?: number): Promise<number> {
  const model = benchModel(12, { kind: 'lora', rank: 8, alpha: 16, ...(blocks && { blocks }) });
  const k = model.frozenPrefix();
  const optimizer = optimizerOf();
  const step = await OnnxTrainStep.create(model, k, k === 0 ? 'ids' : 'hidden');
  const hostOptimizer = HostAdamW.forStep(model, optimizer, step);
  const hidden = k === 0 ? null : Float32Array.from({ length: BATCH * LONG * GPT2_SMALL_BLOCK.nEmbd }, (_, i) => Math.sin(i));
  try {
    return await medianSeconds(repeats, () => onnxTrainStep(hostOptimizer, step, benchBatch(LONG), hidden));
  } finally {
    await step.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/** Every step kind of the grid: the tops of 0, 1 and 2 trained blocks with and without dropout, the dropped frozen block, LoRA on the last block and on all. */
export async function stepKinds(repeats: number, note: (text: string) => void): Promise<StepKinds> {
  const tops: TopFigures[] = [];
  for (const trained of [0, 1, 2]) {
    note(
      `grid: training steps and evaluation of the top with ${trained} trained block${trained === 1 ? '' : 's'}, with and without dropout`,
    );
    tops.push(await topFigures(trained, repeats));
  }
  note('grid: a frozen block forward with dropout masks');
  const droppedBlock = await droppedBlockSeconds(repeats);
  note('grid: the book selection’s step with dropout in all 12 blocks');
  const bookDropoutStep = await bookDropoutStepSeconds(repeats);
  note('grid: a LoRA step of GPT-2 small (rank 8, the last block from the cached prefix)');
  const loraStep = await loraStepSeconds(repeats, 1);
  note('grid: a LoRA step of GPT-2 small (rank 8, all 12 blocks from the ids)');
  return { tops, droppedBlock, bookDropoutStep, loraStep, loraStepAllBlocks: await loraStepSeconds(repeats) };
}
