/** The curves of a run: periodic evaluations on a few batches (the book's eval_freq / eval_iter) and per-epoch accuracy. */
export interface EvalPoint {
  step: number;
  epoch: number;
  examplesSeen: number;
  trainLoss: number;
  valLoss: number;
  trainAccuracy: number;
  valAccuracy: number;
}

export interface EpochPoint {
  epoch: number;
  step: number;
  examplesSeen: number;
  trainAccuracy: number;
  valAccuracy: number;
  /** On the whole validation set when early stopping watches it, else on the eval batches. */
  valLoss: number;
}

export interface TrainHistory {
  evals: EvalPoint[];
  epochs: EpochPoint[];
}
