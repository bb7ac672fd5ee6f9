import type { RunConfig } from '../../common/runConfig.js';
import { chunk, realLength, type Example, type SplitExamples } from '../data/examples.js';
import type { SplitName } from '../data/split.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { EpochPoint, EvalPoint } from './history.js';
import { evaluate, type SplitMetrics } from './metrics.js';
import type { PrefixCache } from './prefixCache.js';
import type { TrainProgress } from './progress.js';
import { epochOrder } from './schedule.js';

/**
 * The evaluations of a run, as the book's: `evalBatches` batches of train and val every `evalEvery`
 * steps and at each epoch end (eval_iter), then loss, accuracy and confusion on the whole splits.
 */
export class RunEvaluation {
  private readonly fewTrain: Example[][];
  private readonly fewVal: Example[][];

  constructor(
    private readonly model: SequenceClassifier,
    private readonly examples: SplitExamples,
    private readonly config: RunConfig,
    private readonly lengthOf: (batch: Example[]) => number,
    private readonly cache: PrefixCache | null,
  ) {
    const { batchSize, evalBatches, seed } = config;
    // The few training batches: one fixed shuffle of their own (epoch -1), the same all run.
    this.fewTrain = chunk(epochOrder(examples.train, seed, -1), batchSize, true).slice(0, evalBatches);
    this.fewVal = chunk(examples.val, batchSize, true).slice(0, evalBatches);
  }

  private metrics(batches: Example[][]): Promise<SplitMetrics> {
    return evaluate(this.model, batches, this.lengthOf, this.cache);
  }

  private async few(): Promise<{ train: SplitMetrics; val: SplitMetrics }> {
    return { train: await this.metrics(this.fewTrain), val: await this.metrics(this.fewVal) };
  }

  async evalPoint(progress: TrainProgress, epoch: number): Promise<EvalPoint> {
    const { train, val } = await this.few();
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
    const { train, val } = await this.few();
    const watched = this.config.earlyStopping ? await this.metrics(this.wholeSplit('val', this.config.batchSize)) : val;
    const valLoss = watched.loss;
    const { step, examplesSeen } = progress;
    return { epoch, step, examplesSeen, trainAccuracy: train.accuracy, valAccuracy: val.accuracy, valLoss };
  }

  /** Whole splits, shortest texts together so batches carry little padding (order does not change metrics). */
  async final(): Promise<Record<SplitName, SplitMetrics>> {
    const batchSize = Math.max(this.config.batchSize, 16);
    return {
      train: await this.metrics(this.byLength('train', batchSize)),
      val: await this.metrics(this.byLength('val', batchSize)),
      test: await this.metrics(this.byLength('test', batchSize)),
    };
  }

  private wholeSplit(split: SplitName, batchSize: number): Example[][] {
    return chunk(this.examples[split], batchSize, true);
  }

  private byLength(split: SplitName, batchSize: number): Example[][] {
    return chunk([...this.examples[split]].sort((a, b) => realLength(a) - realLength(b)), batchSize, true);
  }
}
