import type { RunConfig } from '../../common/runConfig.js';
import { mulberry32, shuffled } from '../data/random.js';
import { WorkbenchError } from '../errors.js';
import type { ForwardContext } from '../model/block.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { loadGradients } from '../model/gradients.js';
import { AdamW } from './adamw.js';
import { loadBest, saveBest } from './bestWeights.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { batchLength, chunk, padBatch, realLength, type Example, type SplitExamples } from '../data/examples.js';
import type { SplitName } from '../data/split.js';
import type { EpochPoint, EvalPoint, TrainHistory } from './history.js';
import { evaluate, type SplitMetrics } from './metrics.js';
import { PrefixCache } from './prefixCache.js';
import { trainStep } from './step.js';

export interface StepEvent {
  kind: 'step';
  step: number; // 1-based count of finished steps
  totalSteps: number;
  epoch: number; // 0-based
  epochs: number;
  examplesSeen: number;
  loss: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
}

export type TrainEvent =
  | { kind: 'prefix'; done: number; total: number; k: number }
  | StepEvent
  | ({ kind: 'eval' } & EvalPoint)
  | ({ kind: 'epoch' } & EpochPoint)
  | { kind: 'checkpoint'; epoch: number; dir: string }
  | { kind: 'early-stop'; epoch: number; bestValLoss: number };

export interface LoopOptions {
  onEvent?: (e: TrainEvent) => void;
  /** Aborting stops before the next step; the last epoch checkpoint stays as it was. */
  signal?: AbortSignal;
  /** Save a checkpoint here at each epoch end, and resume from one found here. */
  checkpointDir?: string;
  /** Reference modes that must give the same result as the fast defaults (tests compare them). */
  prefixCache?: boolean;
  padding?: 'trim' | 'full';
}

export interface TrainOutcome {
  history: TrainHistory;
  final: Record<SplitName, SplitMetrics>;
  /** The overfitting gap in accuracy: train − val and train − test. */
  gap: { trainVal: number; trainTest: number };
  steps: number;
  examplesSeen: number;
  trainSeconds: number;
  stoppedEarly: boolean;
  /** With early stopping: the epoch (0-based) whose weights the result is, the best by validation loss. */
  bestEpoch: number | null;
  resumedFromEpoch: number | null;
  prefixCache: { k: number; examples: number } | null;
}

export class TrainingCancelled extends WorkbenchError {
  constructor() {
    super('training was cancelled');
    this.name = 'TrainingCancelled';
  }
}

/** Seeds derive from (run seed, epoch, step) so a resumed run draws exactly what an uninterrupted one would. */
function epochOrder(train: Example[], seed: number, epoch: number): Example[] {
  return shuffled(train, mulberry32((seed * 7919 + epoch * 104729 + 1) >>> 0));
}

function dropoutContext(rate: number, seed: number, step: number): ForwardContext {
  let site = 0;
  return { dropout: rate, seed: () => (rate > 0 ? ((seed * 1_000_003 + step * 1009 + site++) >>> 0) : null) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The book's training loop (train_classifier_simple): AdamW, evaluation on `evalBatches` batches
 * of train and val every `evalEvery` steps, per-epoch accuracy, then loss, accuracy and confusion
 * on the whole train, val and test sets.
 */
export async function trainClassifier(
  model: SequenceClassifier,
  config: RunConfig,
  data: { examples: SplitExamples; padLength: number },
  options: LoopOptions = {},
): Promise<TrainOutcome> {
  const { examples, padLength } = data;
  const emit = options.onEvent ?? (() => {});
  const vars = model.trainableVariables();
  if (vars.length === 0) throw new WorkbenchError('nothing to train: no parameter is trainable');
  await loadGradients();
  const optimizer = new AdamW({ learningRate: config.learningRate, weightDecay: config.weightDecay });
  try {
    const k = model.frozenPrefix();
    const cache = k > 0 && config.dropout === 0 && options.prefixCache !== false ? new PrefixCache(model, k, config.pooling, padLength) : null;
    const lengthOf = (batch: Example[]) => batchLength(batch, config.pooling, padLength, options.padding);
    if (cache) {
      const all = [...examples.train, ...examples.val, ...examples.test];
      await cache.fill(all, Math.max(config.batchSize, 16), (done, total) => emit({ kind: 'prefix', done, total, k }), options.signal);
    }

    // The book drops the last partial training batch; a training set smaller than one batch keeps it.
    const keepLast = examples.train.length < config.batchSize;
    const stepsPerEpoch = chunk(examples.train, config.batchSize, keepLast).length;
    const totalSteps = stepsPerEpoch * config.epochs;
    const evalTrain = chunk(epochOrder(examples.train, config.seed, -1), config.batchSize, true).slice(0, config.evalBatches);
    const evalVal = chunk(examples.val, config.batchSize, true).slice(0, config.evalBatches);
    const quick = async () => ({ train: await evaluate(model, evalTrain, lengthOf, cache), val: await evaluate(model, evalVal, lengthOf, cache) });

    let state = {
      epoch: -1,
      step: 0,
      examplesSeen: 0,
      tokensSeen: 0,
      trainSeconds: 0,
      history: { evals: [], epochs: [] } as TrainHistory,
    };
    let resumedFromEpoch: number | null = null;
    if (options.checkpointDir) {
      const restored = await loadCheckpoint(options.checkpointDir, model, optimizer);
      if (restored) {
        state = restored;
        resumedFromEpoch = restored.epoch;
      }
    }

    let bestValLoss = Infinity;
    let bestEpoch: number | null = null;
    let epochsWithoutGain = 0;
    for (const p of state.history.epochs) {
      if (p.valLoss < bestValLoss - (config.earlyStopping?.minDelta ?? 0)) [bestValLoss, bestEpoch, epochsWithoutGain] = [p.valLoss, p.epoch, 0];
      else epochsWithoutGain++;
    }
    let best = config.earlyStopping && options.checkpointDir && resumedFromEpoch !== null ? await loadBest(options.checkpointDir) : null;
    let stoppedEarly = config.earlyStopping !== null && epochsWithoutGain >= config.earlyStopping.patience;
    const stepsAtStart = state.step;
    const secondsAtStart = state.trainSeconds;

    for (let epoch = state.epoch + 1; epoch < config.epochs && !stoppedEarly; epoch++) {
      for (const batch of chunk(epochOrder(examples.train, config.seed, epoch), config.batchSize, keepLast)) {
        await tick(); // lets an abort (or a worker message) in between steps
        if (options.signal?.aborted) throw new TrainingCancelled();
        const started = performance.now();
        const T = lengthOf(batch);
        const padded = padBatch(batch, T);
        const prefix = cache ? { hidden: cache.batch(batch, T), k } : undefined;
        const loss = trainStep(model, optimizer, vars, padded, dropoutContext(config.dropout, config.seed, state.step), { prefix, clipNorm: config.gradClip });
        prefix?.hidden.dispose();
        if (!Number.isFinite(loss)) throw new WorkbenchError(`the loss became ${loss} at step ${state.step + 1}: lower the learning rate`);
        const seconds = (performance.now() - started) / 1000;
        state.step++;
        state.examplesSeen += batch.length;
        state.tokensSeen += batch.reduce((s, e) => s + realLength(e), 0);
        state.trainSeconds += seconds;
        const perStep = (state.trainSeconds - secondsAtStart) / (state.step - stepsAtStart);
        emit({
          kind: 'step',
          step: state.step,
          totalSteps,
          epoch,
          epochs: config.epochs,
          examplesSeen: state.examplesSeen,
          loss,
          tokensPerSecond: state.tokensSeen / Math.max(state.trainSeconds, 1e-9),
          elapsedSeconds: state.trainSeconds,
          etaSeconds: perStep * (totalSteps - state.step),
        });
        // The book evaluates after global steps 0, 50, 100, … (0-based).
        if ((state.step - 1) % config.evalEvery === 0) {
          const q = await quick();
          const point: EvalPoint = { step: state.step, epoch, examplesSeen: state.examplesSeen, trainLoss: q.train.loss, valLoss: q.val.loss, trainAccuracy: q.train.accuracy, valAccuracy: q.val.accuracy };
          state.history.evals.push(point);
          emit({ kind: 'eval', ...point });
        }
      }

      const q = await quick();
      const valLoss = config.earlyStopping ? (await evaluate(model, chunk(examples.val, config.batchSize, true), lengthOf, cache)).loss : q.val.loss;
      const point: EpochPoint = { epoch, step: state.step, examplesSeen: state.examplesSeen, trainAccuracy: q.train.accuracy, valAccuracy: q.val.accuracy, valLoss };
      state.history.epochs.push(point);
      emit({ kind: 'epoch', ...point });
      if (config.earlyStopping) {
        if (valLoss < bestValLoss - config.earlyStopping.minDelta) {
          [bestValLoss, bestEpoch, epochsWithoutGain] = [valLoss, epoch, 0];
          best = await model.hostTensors();
          if (options.checkpointDir) await saveBest(options.checkpointDir, best, epoch);
        } else if (++epochsWithoutGain >= config.earlyStopping.patience) {
          stoppedEarly = true;
          emit({ kind: 'early-stop', epoch, bestValLoss });
        }
      }
      state.epoch = epoch;
      if (options.checkpointDir) {
        await saveCheckpoint(options.checkpointDir, model, optimizer, { ...state, rng: { seed: config.seed, epoch, step: state.step } });
        emit({ kind: 'checkpoint', epoch, dir: options.checkpointDir });
      }
    }

    if (config.earlyStopping && best) model.assignTensors(best, 'the best epoch\'s weights');
    // Whole splits, shortest texts together so batches carry little padding (order does not change metrics).
    const byLength = (es: Example[]) => chunk([...es].sort((a, b) => realLength(a) - realLength(b)), Math.max(config.batchSize, 16), true);
    const final = {
      train: await evaluate(model, byLength(examples.train), lengthOf, cache),
      val: await evaluate(model, byLength(examples.val), lengthOf, cache),
      test: await evaluate(model, byLength(examples.test), lengthOf, cache),
    };
    return {
      history: state.history,
      final,
      gap: { trainVal: final.train.accuracy - final.val.accuracy, trainTest: final.train.accuracy - final.test.accuracy },
      steps: state.step,
      examplesSeen: state.examplesSeen,
      trainSeconds: state.trainSeconds,
      stoppedEarly,
      bestEpoch: config.earlyStopping ? bestEpoch : null,
      resumedFromEpoch,
      prefixCache: cache ? { k, examples: cache.size } : null,
    };
  } finally {
    optimizer.dispose();
  }
}
