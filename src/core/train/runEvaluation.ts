import type { RunConfig } from '../../common/runConfig.js';
import { WorkbenchError } from '../errors.js';
import { chunk, forwardBatchSize, lengthSortedBatches, padBatch, type Example, type SplitExamples } from '../data/examples.js';
import type { SplitName } from '../data/split.js';
import type { InferenceChoice } from '../model/inference.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import { OnnxClassifier } from '../model/onnx/onnxClassifier.js';
import { OnnxTop } from '../model/onnx/topRunner.js';
import type { EpochPoint, EvalPoint } from './history.js';
import { evaluate, type OnnxLogits, type SplitMetrics } from './metrics.js';
import type { PrefixCache } from './prefixCache.js';
import type { TrainProgress } from './progress.js';
import { PredictionRecorder } from './predictions.js';
import { epochOrder } from './schedule.js';

/** The batches of each evaluation point: the few training batches have one fixed shuffle of their own (epoch -1), the same all run. */
export function fewBatches(examples: SplitExamples, { batchSize, evalBatches, seed }: RunConfig): { train: Example[][]; val: Example[][] } {
  return {
    train: chunk(epochOrder(examples.train, seed, -1), batchSize, true).slice(0, evalBatches),
    val: chunk(examples.val, batchSize, true).slice(0, evalBatches),
  };
}

/** The batches of the final whole-split evaluation. */
export function finalBatches(examples: SplitExamples, { batchSize }: RunConfig): Record<SplitName, Example[][]> {
  const size = forwardBatchSize(batchSize);
  return {
    train: lengthSortedBatches(examples.train, size),
    val: lengthSortedBatches(examples.val, size),
    test: lengthSortedBatches(examples.test, size),
  };
}

/**
 * The evaluations of a run, as the book's: `evalBatches` batches of train and val every `evalEvery`
 * steps and at each epoch end (eval_iter), then loss, accuracy and confusion on the whole splits.
 */
export class RunEvaluation {
  private readonly fewTrain: Example[][];
  private readonly fewVal: Example[][];
  /** Where the evaluations run: beside the prefix cache when there is one, else where the training step runs. */
  readonly path: InferenceChoice;

  constructor(
    private readonly model: SequenceClassifier,
    private readonly examples: SplitExamples,
    private readonly config: RunConfig,
    private readonly lengthOf: (batch: Example[]) => number,
    private readonly cache: PrefixCache | null,
    stepPath: InferenceChoice,
  ) {
    ({ train: this.fewTrain, val: this.fewVal } = fewBatches(examples, config));
    this.path = cache?.inference ?? stepPath;
  }

  /**
   * The forward on ONNX Runtime, built from the weights as they are now (one graph per evaluation point): the
   * top above a prefix cache filled there (~0.07 s to build for a block), or, without a cache, the whole
   * classifier (LoRA merged); null where tfjs evaluates.
   */
  private async onnxForward(): Promise<{ logits: OnnxLogits; dispose: () => Promise<void> } | null> {
    const { cache, model } = this;
    if (this.path === 'tfjs') return null;
    if (cache) {
      const top = await OnnxTop.create(model, cache.k);
      return { logits: (batch, T) => top.logits(cache.hostBatch(batch, T), T, padBatch(batch, T).lengths), dispose: () => top.dispose() };
    }
    const whole = await OnnxClassifier.create(model);
    const logits: OnnxLogits = (batch, T) => {
      const { ids, lengths } = padBatch(batch, T);
      return whole.logits(ids, lengths);
    };
    return { logits, dispose: () => whole.dispose() };
  }

  /** Runs fn with an evaluator of batches. */
  private async withMetrics<T>(
    fn: (metrics: (batches: Example[][], recorder?: PredictionRecorder) => Promise<SplitMetrics>) => Promise<T>,
  ): Promise<T> {
    const onnx = await this.onnxForward();
    try {
      return await fn((batches, recorder) =>
        evaluate(this.model, batches, this.lengthOf, this.cache, onnx?.logits ?? null, recorder ?? null),
      );
    } finally {
      await onnx?.dispose();
    }
  }

  private few(step: number): Promise<{ train: SplitMetrics; val: SplitMetrics }> {
    return this.withMetrics(async (metrics) => ({
      train: finite(await metrics(this.fewTrain), 'train', step),
      val: finite(await metrics(this.fewVal), 'val', step),
    }));
  }

  async evalPoint(progress: TrainProgress, epoch: number): Promise<EvalPoint> {
    const { train, val } = await this.few(progress.step);
    return {
      step: progress.step,
      epoch,
      examplesSeen: progress.examplesSeen,
      trainLoss: train.loss,
      valLoss: val.loss,
      trainAccuracy: train.accuracy,
      valAccuracy: val.accuracy,
    };
  }

  /** Early stopping watches the loss on the whole validation set; otherwise the few batches give it. */
  async epochPoint(progress: TrainProgress, epoch: number): Promise<EpochPoint> {
    const { train, val } = await this.few(progress.step);
    const watched = this.config.earlyStopping
      ? finite(await this.withMetrics((metrics) => metrics(this.wholeSplit('val', this.config.batchSize))), 'val', progress.step)
      : val;
    const valLoss = watched.loss;
    const { step, examplesSeen } = progress;
    return { epoch, step, examplesSeen, trainAccuracy: train.accuracy, valAccuracy: val.accuracy, valLoss };
  }

  /** Whole splits, shortest texts together so batches carry little padding (order does not change metrics), every prediction kept. */
  async final(step: number): Promise<Record<SplitName, SplitMetrics>> {
    const batches = finalBatches(this.examples, this.config);
    const whole = async (metrics: (b: Example[][], r: PredictionRecorder) => Promise<SplitMetrics>, split: SplitName) =>
      finite(await metrics(batches[split], new PredictionRecorder(this.examples[split])), split, step);
    return this.withMetrics(async (metrics) => ({
      train: await whole(metrics, 'train'),
      val: await whole(metrics, 'val'),
      test: await whole(metrics, 'test'),
    }));
  }

  private wholeSplit(split: SplitName, batchSize: number): Example[][] {
    return chunk(this.examples[split], batchSize, true);
  }
}

const SPLIT_NAMES: Record<SplitName, string> = { train: 'training', val: 'validation', test: 'test' };

/**
 * The metrics when they are numbers; otherwise the run fails here, saying where the NaN came from, instead of
 * a NaN travelling on into the curves and the result (where JSON would turn it into null).
 */
function finite(metrics: SplitMetrics, split: SplitName, step: number): SplitMetrics {
  if (Number.isFinite(metrics.loss) && Number.isFinite(metrics.accuracy)) return metrics;
  const name = SPLIT_NAMES[split];
  const why =
    metrics.count === 0 ? `: the ${name} split is empty — give it a share of the data (dataset.split)` : ': lower the learning rate';
  throw new WorkbenchError(`the ${name} loss became ${Number.isNaN(metrics.loss) ? 'NaN' : metrics.loss} at step ${step}${why}`);
}
