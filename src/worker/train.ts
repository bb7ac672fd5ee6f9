import type { WorkerJob, WorkerResult, WorkerToService } from '../common/workerProtocol.js';
import { initBackend } from '../core/model/backend.js';
import { checkpointPosition } from '../core/train/checkpoint.js';
import type { SplitMetrics } from '../core/train/metrics.js';
import { encodePredictions } from '../core/train/predictions.js';
import { runTraining, type RunEvent } from '../core/train/run.js';

/** Trains one job, reporting as it goes; resolves with the result, rejects with the engine's error. */
export async function trainJob(job: WorkerJob, signal: AbortSignal, report: (m: WorkerToService) => void): Promise<WorkerResult> {
  const backend = await initBackend();
  report({ type: 'ready', backend });
  const resumeAt = await checkpointPosition(job.checkpointDir);
  if (resumeAt) report({ type: 'resuming', ...resumeAt });
  const result = await runTraining(job.config, {
    cacheDir: job.cacheDir,
    outDir: job.classifierDir,
    checkpointDir: job.checkpointDir,
    prefixStore: job.prefixStore,
    signal,
    onEvent: (e) => {
      const m = toMessage(e);
      if (m) report(m);
    },
  });
  const { outcome } = result;
  const { train, val, test } = outcome.final;
  return {
    backend: result.backend,
    labels: result.labels,
    parameters: result.parameters,
    final: { train: totals(train), val: totals(val), test: totals(test) },
    predictions: { train: packed(train), val: packed(val), test: packed(test) },
    gap: outcome.gap,
    history: outcome.history,
    trainSeconds: outcome.trainSeconds,
    resumedFromEpoch: outcome.resumedFromEpoch,
    stoppedEarly: outcome.stoppedEarly,
    bestEpoch: outcome.bestEpoch,
    prefixCache: outcome.prefixCache,
  };
}

function totals({ count, loss, accuracy, confusion }: SplitMetrics) {
  return { count, loss, accuracy, confusion };
}

function packed({ predictions }: SplitMetrics): string {
  if (!predictions) throw new Error('the final evaluation kept no predictions');
  return Buffer.from(encodePredictions(predictions)).toString('base64');
}

function toMessage(e: RunEvent): WorkerToService | null {
  switch (e.kind) {
    case 'stage':
      return { type: 'stage', stage: e.stage, message: e.message };
    case 'download':
      return { type: 'stage', stage: 'model', message: `downloading ${e.file}: ${e.received}${e.total ? ` of ${e.total}` : ''} bytes` };
    case 'prefix':
      return { type: 'prefix', done: e.done, total: e.total };
    case 'step':
      return {
        type: 'step',
        step: e.step,
        totalSteps: e.totalSteps,
        epoch: e.epoch,
        epochs: e.epochs,
        examplesSeen: e.examplesSeen,
        loss: e.loss,
        tokensPerSecond: e.tokensPerSecond,
        etaSeconds: e.etaSeconds,
      };
    case 'eval':
      return {
        type: 'eval',
        point: {
          step: e.step,
          epoch: e.epoch,
          examplesSeen: e.examplesSeen,
          trainLoss: e.trainLoss,
          valLoss: e.valLoss,
          trainAccuracy: e.trainAccuracy,
          valAccuracy: e.valAccuracy,
        },
      };
    case 'epoch':
      return {
        type: 'epoch',
        point: {
          epoch: e.epoch,
          step: e.step,
          examplesSeen: e.examplesSeen,
          trainAccuracy: e.trainAccuracy,
          valAccuracy: e.valAccuracy,
          valLoss: e.valLoss,
        },
      };
    case 'checkpoint':
      return { type: 'checkpoint', epoch: e.epoch };
    case 'early-stop':
      return {
        type: 'stage',
        stage: 'training',
        message: `stopped early after epoch ${e.epoch + 1} (best validation loss ${e.bestValLoss.toFixed(4)})`,
      };
  }
}
