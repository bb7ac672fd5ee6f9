import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { TensorMap } from '../model/tensorMap.js';
import { loadBest, saveBest } from './bestWeights.js';
import type { EpochPoint } from './history.js';

export interface EarlyStoppingSettings {
  patience: number;
  minDelta: number;
}

/**
 * Stops when the validation loss has not improved by more than `minDelta` for `patience` epochs, and
 * keeps the best epoch's trained weights (Keras' restore_best_weights), also on disk beside the
 * checkpoint so that a resumed run knows them.
 */
export class EarlyStopping {
  bestValLoss = Infinity;
  bestEpoch: number | null = null;
  private epochsWithoutGain = 0;
  private best: TensorMap | null = null;

  private constructor(
    private readonly settings: EarlyStoppingSettings,
    private readonly checkpointDir: string | undefined,
  ) {}

  /** A fresh watch, or after a resume the finished epochs replayed and the saved best weights reloaded. */
  static async start(
    settings: EarlyStoppingSettings,
    finished: EpochPoint[],
    checkpointDir?: string,
  ): Promise<EarlyStopping> {
    const watch = new EarlyStopping(settings, checkpointDir);
    for (const point of finished) watch.observe(point);
    if (finished.length > 0 && checkpointDir) watch.best = await loadBest(checkpointDir);
    return watch;
  }

  get stopped(): boolean {
    return this.epochsWithoutGain >= this.settings.patience;
  }

  /** Records an epoch; true when it is the best so far (by more than minDelta). */
  private observe(point: EpochPoint): boolean {
    if (point.valLoss < this.bestValLoss - this.settings.minDelta) {
      [this.bestValLoss, this.bestEpoch, this.epochsWithoutGain] = [point.valLoss, point.epoch, 0];
      return true;
    }
    this.epochsWithoutGain++;
    return false;
  }

  /** Records a finished epoch and keeps its weights when it is the best; true when training should stop. */
  async endOfEpoch(model: SequenceClassifier, point: EpochPoint): Promise<boolean> {
    if (this.observe(point)) {
      this.best = await model.hostTensors();
      if (this.checkpointDir) await saveBest(this.checkpointDir, this.best, point.epoch);
    }
    return this.stopped;
  }

  /** Puts the best epoch's weights back into the model: the run's result is its best epoch. */
  restoreBest(model: SequenceClassifier): void {
    if (this.best) model.assignTensors(this.best, `the best epoch's weights (epoch ${this.bestEpoch})`);
  }
}
