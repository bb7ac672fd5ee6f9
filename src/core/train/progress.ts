import { realLength, type Example } from '../data/examples.js';
import type { TrainHistory } from './history.js';

/** Where a run stands: the counters and curves a checkpoint saves and a resume continues. */
export interface TrainProgress {
  epoch: number; // the last finished epoch, 0-based; -1 before the first
  step: number;
  examplesSeen: number;
  tokensSeen: number;
  trainSeconds: number;
  history: TrainHistory;
}

export function newProgress(): TrainProgress {
  return { epoch: -1, step: 0, examplesSeen: 0, tokensSeen: 0, trainSeconds: 0, history: { evals: [], epochs: [] } };
}

/** Counts one finished training step on `batch` that took `seconds`. */
export function countStep(progress: TrainProgress, batch: Example[], seconds: number): void {
  progress.step++;
  progress.examplesSeen += batch.length;
  progress.tokensSeen += batch.reduce((sum, e) => sum + realLength(e), 0);
  progress.trainSeconds += seconds;
}

/** The figures a step event reports about the whole run so far. */
export function progressFigures(progress: TrainProgress, totalSteps: number, eta: Eta) {
  return {
    step: progress.step,
    examplesSeen: progress.examplesSeen,
    tokensPerSecond: progress.tokensSeen / Math.max(progress.trainSeconds, 1e-9),
    elapsedSeconds: progress.trainSeconds,
    etaSeconds: eta.seconds(progress, totalSteps),
  };
}

/** Time left, at the pace of this session's own steps (a resumed run's earlier steps may have run elsewhere). */
export class Eta {
  private readonly stepsAtStart: number;
  private readonly secondsAtStart: number;

  constructor(progress: TrainProgress) {
    this.stepsAtStart = progress.step;
    this.secondsAtStart = progress.trainSeconds;
  }

  seconds(progress: TrainProgress, totalSteps: number): number {
    const perStep = (progress.trainSeconds - this.secondsAtStart) / (progress.step - this.stepsAtStart);
    return perStep * (totalSteps - progress.step);
  }
}
