import type { RunConfig } from '../../common/runConfig.js';
import { batchLength, type Example, type SplitExamples } from '../data/examples.js';
import type { SplitName } from '../data/split.js';
import { WorkbenchError } from '../errors.js';
import { loadGradients } from '../model/gradients.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { AdamW } from './adamw.js';
import { loadCheckpoint, runFingerprint, saveCheckpoint } from './checkpoint.js';
import { EarlyStopping } from './earlyStopping.js';
import type { EpochPoint, EvalPoint, TrainHistory } from './history.js';
import type { SplitMetrics } from './metrics.js';
import { fillPrefixCache, stepsStartFromCache, type PrefixCache } from './prefixCache.js';
import type { PrefixStoreUse } from './prefixStore.js';
import type { InferenceChoice } from '../model/inference.js';
import type { Device } from '../model/onnx/device.js';
import { countStep, Eta, newProgress, progressFigures } from './progress.js';
import { RunEvaluation } from './runEvaluation.js';
import { epochBatches, stepsPerEpoch } from './schedule.js';
import { startStepEngine, type StepEngine } from './stepEngine.js';
import type { TrailRecord } from './trailStore.js';

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
  /** The path that fills the frozen-prefix cache; default initInference's choice. */
  inference?: InferenceChoice;
  /** Where frozen prefixes are kept between runs (prefixStore.ts); none: computed every run. */
  prefixStore?: PrefixStoreUse;
  /** Data-parallel training threads (see parallel/threadCount.ts); default WORKBENCH_TRAIN_THREADS, else 1. */
  threads?: number;
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
  prefixCache: {
    k: number;
    examples: number;
    inference: InferenceChoice;
    source: PrefixCache['source'];
    from?: number;
    trail?: TrailRecord;
  } | null;
  /** Where the evaluations ran: with the prefix cache, or (without one) where the training step ran. */
  evaluation: InferenceChoice;
  /**
   * Where the training steps ran: fallbackReason says why tfjs when inference was onnx; device where they
   * computed, deviceReason why the CPU when CUDA was not asked against.
   */
  trainStep: { path: InferenceChoice; fallbackReason: string | null; device: Device; deviceReason: string | null };
}

export class TrainingCancelled extends WorkbenchError {
  constructor() {
    super('training was cancelled');
    this.name = 'TrainingCancelled';
  }
}

/**
 * The book's training loop (train_classifier_simple): AdamW, evaluation on `evalBatches` batches
 * of train and val every `evalEvery` steps, per-epoch accuracy, then loss, accuracy and confusion
 * on the whole train, val and test sets. The bookkeeping around it (frozen-prefix cache, resume,
 * early stopping with the best epoch's weights, ETA) lives in the helpers it calls.
 */
export async function trainClassifier(
  model: SequenceClassifier,
  config: RunConfig,
  data: { examples: SplitExamples; padLength: number },
  options: LoopOptions = {},
): Promise<TrainOutcome> {
  const emit = options.onEvent ?? (() => {});
  const { checkpointDir, signal } = options;
  if (model.trainableVariables().length === 0) throw new WorkbenchError('nothing to train: no parameter is trainable');
  await loadGradients();
  const optimizer = new AdamW({ learningRate: config.learningRate, weightDecay: config.weightDecay });
  let engine: StepEngine | null = null;
  try {
    const onProgress = (done: number, total: number, k: number) => emit({ kind: 'prefix', done, total, k });
    const cache = await fillPrefixCache(model, config, data, {
      enabled: options.prefixCache,
      inference: options.inference,
      signal,
      onProgress,
      store: options.prefixStore,
    });
    const lengthOf = (batch: Example[]) => batchLength(batch, config.pooling, data.padLength, options.padding);

    const fingerprint = runFingerprint(config, data.examples, model);
    const restored = checkpointDir ? await loadCheckpoint(checkpointDir, model, optimizer, fingerprint) : null;
    const progress = restored ?? newProgress();
    const resumedFromEpoch = restored?.epoch ?? null; // progress.epoch moves on from here
    // After the restore: training threads start from the model and optimizer as restored.
    const stepCache = stepsStartFromCache(config) ? cache : null;
    const store = options.prefixStore;
    const trail = store && {
      store,
      examples: data.examples,
      padLength: data.padLength,
      padding: options.padding,
      lengthOf,
      firstStep: progress.step,
    };
    const choice = { inference: options.inference, threads: options.threads, trail };
    const started = await startStepEngine(model, optimizer, config, stepCache, choice);
    engine = started.engine;
    const evaluation = new RunEvaluation(model, data.examples, config, lengthOf, cache, started.path.path);
    const stopping = config.earlyStopping
      ? EarlyStopping.start(
          config.earlyStopping,
          progress.history.epochs,
          restored && checkpointDir ? { best: restored.best, dir: checkpointDir } : undefined,
        )
      : null;
    const totalSteps = stepsPerEpoch(data.examples.train, config.batchSize) * config.epochs;
    const eta = new Eta(progress);

    for (let epoch = progress.epoch + 1; epoch < config.epochs && !stopping?.stopped; epoch++) {
      for (const batch of epochBatches(data.examples.train, config.batchSize, config.seed, epoch)) {
        await tick(); // lets an abort (or a worker message) in between steps
        if (signal?.aborted) throw new TrainingCancelled();
        const stepStart = performance.now();
        const loss = await engine.step(batch, lengthOf(batch), progress.step);
        if (!Number.isFinite(loss)) {
          throw new WorkbenchError(`the loss became ${loss} at step ${progress.step + 1}: lower the learning rate`);
        }
        countStep(progress, batch, (performance.now() - stepStart) / 1000);
        const figures = progressFigures(progress, totalSteps, eta);
        emit({ kind: 'step', epoch, epochs: config.epochs, totalSteps, loss, ...figures });
        // The book evaluates after global steps 0, 50, 100, … (0-based).
        if ((progress.step - 1) % config.evalEvery === 0) {
          await engine.syncToModel();
          const point = await evaluation.evalPoint(progress, epoch);
          progress.history.evals.push(point);
          emit({ kind: 'eval', ...point });
        }
      }

      await engine.syncToModel();
      const point = await evaluation.epochPoint(progress, epoch);
      progress.history.epochs.push(point);
      emit({ kind: 'epoch', ...point });
      if (stopping && (await stopping.endOfEpoch(model, point))) {
        emit({ kind: 'early-stop', epoch, bestValLoss: stopping.bestValLoss });
      }
      progress.epoch = epoch;
      if (checkpointDir) {
        const rng = { seed: config.seed, epoch, step: progress.step };
        await saveCheckpoint(checkpointDir, model, optimizer, { ...progress, rng }, fingerprint, stopping?.kept);
        emit({ kind: 'checkpoint', epoch, dir: checkpointDir });
      }
    }

    const trailRecord = await engine.finish();
    stopping?.restoreBest(model);
    const final = await evaluation.final(progress.step);
    return {
      history: progress.history,
      final,
      gap: overfittingGap(final),
      steps: progress.step,
      examplesSeen: progress.examplesSeen,
      trainSeconds: progress.trainSeconds,
      stoppedEarly: stopping?.stopped ?? false,
      bestEpoch: stopping?.bestEpoch ?? null,
      resumedFromEpoch,
      prefixCache: cache ? prefixRecord(cache, trailRecord) : null,
      evaluation: evaluation.path,
      trainStep: started.path,
    };
  } finally {
    await engine?.dispose();
    optimizer.dispose();
  }
}

/** What the run's record says of its frozen prefix: `from` only when it was computed above a shallower stored one, `trail` only with one. */
function prefixRecord(cache: PrefixCache, trail: TrailRecord | null): NonNullable<TrainOutcome['prefixCache']> {
  const { k, size: examples, inference, source, from } = cache;
  return { k, examples, inference, source, ...(from > 0 && { from }), ...(trail && { trail }) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** The overfitting gap in accuracy: train − val and train − test. */
function overfittingGap(final: Record<SplitName, SplitMetrics>): TrainOutcome['gap'] {
  return { trainVal: final.train.accuracy - final.val.accuracy, trainTest: final.train.accuracy - final.test.accuracy };
}
