import { WorkbenchError } from '../errors.js';
import type { SequenceClassifier } from '../model/sequenceClassifier.js';
import type { TensorMap } from '../model/tensorMap.js';
import type { BestWeights } from './checkpoint.js';
import type { EpochPoint } from './history.js';

export interface EarlyStoppingSettings {
  patience: number;
  minDelta: number;
}

/**
 * Stops when the validation loss has not improved by more than `minDelta` for `patience` epochs, and
 * keeps the best epoch's trained weights (Keras' restore_best_weights), which each checkpoint saves
 * with the rest so that a resumed run knows them.
 */
export class EarlyStopping {
  bestValLoss = Infinity;
  bestEpoch: number | null = null;
  private epochsWithoutGain = 0;
  private best: TensorMap | null = null;

  private constructor(private readonly settings: EarlyStoppingSettings) {}

  /**
   * A fresh watch, or after a resume the finished epochs replayed with the best weights the checkpoint
   * kept. A best epoch without its weights is refused: the run would report it and keep others.
   */
  static start(settings: EarlyStoppingSettings, finished: EpochPoint[], resumed?: { best: TensorMap | null; dir: string }): EarlyStopping {
    const watch = new EarlyStopping(settings);
    for (const point of finished) watch.observe(point);
    watch.best = resumed?.best ?? null;
    if (watch.bestEpoch !== null && !watch.best) {
      throw new WorkbenchError(
        `the checkpoint in ${resumed?.dir} lacks the weights of its best epoch ${watch.bestEpoch + 1}; delete it or give another --checkpoint-dir to start fresh`,
      );
    }
    return watch;
  }

  /** The best epoch and its weights, for the checkpoint. */
  get kept(): BestWeights | null {
    return this.best && this.bestEpoch !== null ? { epoch: this.bestEpoch, weights: this.best } : null;
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
    if (this.observe(point)) this.best = await model.hostTensors();
    return this.stopped;
  }

  /** Puts the best epoch's weights back into the model: the run's result is its best epoch. */
  restoreBest(model: SequenceClassifier): void {
    if (this.best) model.assignTensors(this.best, `the best epoch's weights (epoch ${this.bestEpoch})`);
  }
}
