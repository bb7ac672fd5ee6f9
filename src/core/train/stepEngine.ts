import type { Variable } from '@tensorflow/tfjs-core';
import type { RunConfig } from '../../common/runConfig.js';
import { padBatch, type Example } from '../data/examples.js';
import type { InferenceChoice } from '../model/inference.js';
import { OnnxTrainStep } from '../model/onnx/trainRunner.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { AdamW } from './adamw.js';
import { DroppedPrefix, type TrailContext } from './droppedPrefix.js';
import { HostAdamW } from './hostAdamW.js';
import { ParallelTrainer } from './parallel/parallelTrainer.js';
import { batchShards } from './parallel/shards.js';
import { trainThreadCount } from './parallel/threadCount.js';
import type { PrefixCache } from './prefixCache.js';
import { dropoutContext, frozenPrefixDrops } from './schedule.js';
import { onnxTrainStep, trainStep } from './step.js';
import type { TrailRecord } from './trailStore.js';
import { chooseTrainPath, type TrainPath } from './trainPath.js';

/**
 * One optimisation step (the book's loss.backward(), optimizer.step()), whichever engine runs it: the trained top
 * on ONNX Runtime, tfjs on this thread, or tfjs split across training threads. The loop picks one per run.
 */
export interface StepEngine {
  /** A step on a batch padded to T after `step` finished ones (which, with the run seed, decides the dropout); returns the loss before the update. */
  step(batch: Example[], T: number, step: number): Promise<number>;
  /**
   * Brings the model's variables and its AdamW's moments up to date, for what reads them: evaluation, early
   * stopping, checkpoints and the saved classifier (the ONNX step keeps them on the host between steps).
   */
  syncToModel(): Promise<void>;
  /** The training steps ended normally: keeps what they leave for later runs (a trail), and says what the trail was. */
  finish(): Promise<TrailRecord | null>;
  dispose(): Promise<void>;
}

export interface EngineChoice {
  /** The path that fills the frozen-prefix cache; default initInference's choice. */
  inference?: InferenceChoice;
  /** Data-parallel training threads (see parallel/threadCount.ts). */
  threads?: number;
  /** The store's trails for a dropped frozen prefix (scope `all`); none: the prefix runs whole at every step. */
  trail?: TrailContext;
}

/**
 * The engine of a run and where it trains: ONNX Runtime when trainPath.ts says it can train the selection, else tfjs,
 * on training threads when there are several. Start it after a resume: the threads copy the model and optimizer as they are.
 */
export async function startStepEngine(
  model: SequenceClassifier,
  optimizer: AdamW,
  config: RunConfig,
  cache: PrefixCache | null,
  choice: EngineChoice = {},
): Promise<{ engine: StepEngine; path: TrainPath }> {
  const path = await chooseTrainPath(model, config, cache, choice.inference);
  return { engine: await startEngine(path, model, optimizer, config, cache, choice), path };
}

async function startEngine(
  path: TrainPath,
  model: SequenceClassifier,
  optimizer: AdamW,
  config: RunConfig,
  cache: PrefixCache | null,
  choice: EngineChoice,
): Promise<StepEngine> {
  if (path.path === 'onnx') return OnnxEngine.start(model, optimizer, config, cache, choice.trail);
  const count = trainThreadCount(choice.threads, config.dropout);
  if (count > 1) return new ThreadsEngine(await ParallelTrainer.start(model, optimizer, count), config, cache);
  return new TfjsEngine(model, optimizer, config, cache);
}

/**
 * The trained top's forward and backward on ONNX Runtime from the frozen prefix's output: cached, or (dropout in the
 * frozen blocks) run forward at every step with its masks, in part from a trail (droppedPrefix.ts); from the ids
 * when nothing is frozen.
 */
class OnnxEngine implements StepEngine {
  private constructor(
    private readonly config: RunConfig,
    private readonly cache: PrefixCache | null,
    private readonly top: OnnxTrainStep,
    private readonly optimizer: HostAdamW,
    private readonly prefix: DroppedPrefix | null,
    private readonly frozen: number,
  ) {}

  static async start(
    model: SequenceClassifier,
    optimizer: AdamW,
    config: RunConfig,
    cache: PrefixCache | null,
    trail: TrailContext | undefined,
  ): Promise<OnnxEngine> {
    const k = model.frozenPrefix();
    const prefix = !cache && k > 0 && frozenPrefixDrops(config) ? await DroppedPrefix.start(model, k, config, trail) : null;
    try {
      const top = await OnnxTrainStep.create(model, k, k === 0 ? 'ids' : 'hidden', config.dropout);
      return new OnnxEngine(config, cache, top, HostAdamW.forStep(model, optimizer, top), prefix, k);
    } catch (err) {
      await prefix?.dispose();
      throw err;
    }
  }

  async step(batch: Example[], T: number, step: number): Promise<number> {
    const padded = padBatch(batch, T);
    const ctx = dropoutContext(this.config, this.frozen, step);
    const hidden = this.cache ? this.cache.hostBatch(batch, T) : ((await this.prefix?.run(step, padded.ids, padded.lengths, ctx)) ?? null);
    return onnxTrainStep(this.optimizer, this.top, padded, hidden, this.config.gradClip, ctx);
  }

  syncToModel(): Promise<void> {
    return this.optimizer.syncToModel();
  }

  async finish(): Promise<TrailRecord | null> {
    return (await this.prefix?.finish()) ?? null;
  }

  async dispose(): Promise<void> {
    await this.top.dispose();
    await this.prefix?.dispose();
  }
}

/** tfjs on this thread; the frozen prefix from the cache, or run outside the gradient tape. */
class TfjsEngine implements StepEngine {
  private readonly vars: Variable[];
  private readonly frozen: number;

  constructor(
    private readonly model: SequenceClassifier,
    private readonly optimizer: AdamW,
    private readonly config: RunConfig,
    private readonly cache: PrefixCache | null,
  ) {
    this.vars = model.trainableVariables();
    this.frozen = model.frozenPrefix();
  }

  async step(batch: Example[], T: number, step: number): Promise<number> {
    const prefix = this.cache ? { hidden: this.cache.batch(batch, T), k: this.cache.k } : undefined;
    const ctx = dropoutContext(this.config, this.frozen, step);
    try {
      return trainStep(this.model, this.optimizer, this.vars, padBatch(batch, T), ctx, { prefix, clipNorm: this.config.gradClip });
    } finally {
      prefix?.hidden.dispose();
    }
  }

  async syncToModel(): Promise<void> {}

  async finish(): Promise<null> {
    return null;
  }

  async dispose(): Promise<void> {}
}

/** tfjs split across training threads (data parallel, dropout-free: see threadCount.ts). */
class ThreadsEngine implements StepEngine {
  constructor(
    private readonly parallel: ParallelTrainer,
    private readonly config: RunConfig,
    private readonly cache: PrefixCache | null,
  ) {}

  step(batch: Example[], T: number): Promise<number> {
    return this.parallel.step(batchShards(batch, this.parallel.threads, T, this.cache), this.config.gradClip);
  }

  syncToModel(): Promise<void> {
    // The training threads hold the moments of the parameters they update (the weights come back every step).
    return this.parallel.collectOptimizerState();
  }

  async finish(): Promise<null> {
    return null;
  }

  dispose(): Promise<void> {
    return this.parallel.dispose();
  }
}
