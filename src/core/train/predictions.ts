import type { Example } from '../data/examples.js';
import { WorkbenchError } from '../errors.js';

/** Every example of a split in the split's order: its true class, the predicted class and that class's probability. */
export interface SplitPredictions {
  labels: Uint16Array;
  predicted: Uint16Array;
  confidence: Float32Array;
}

/** Bytes per example when packed: two uint16 classes and a float32 probability. */
export const PREDICTION_BYTES = 8;

/** Collects predictions made in any batch order (the final evaluation sorts by length) back into the split's order. */
export class PredictionRecorder {
  private readonly indexOf = new Map<Example, number>();
  private readonly out: SplitPredictions;
  private seen = 0;

  constructor(private readonly examples: readonly Example[]) {
    examples.forEach((e, i) => this.indexOf.set(e, i));
    const n = examples.length;
    this.out = { labels: new Uint16Array(n), predicted: new Uint16Array(n), confidence: new Float32Array(n) };
  }

  /** One example's outcome: its log-probabilities over the classes. */
  add(example: Example, predicted: number, logProbability: number): void {
    const i = this.indexOf.get(example);
    if (i === undefined) throw new WorkbenchError('a prediction for an example that is not in the split');
    this.out.labels[i] = example.label;
    this.out.predicted[i] = predicted;
    this.out.confidence[i] = Math.exp(logProbability);
    this.seen++;
  }

  result(): SplitPredictions {
    if (this.seen !== this.examples.length)
      throw new WorkbenchError(`predictions for ${this.seen} of ${this.examples.length} examples: the evaluation skipped some`);
    return this.out;
  }
}

/** Little-endian columns: all true classes, all predicted classes, all probabilities (8 bytes an example). */
export function encodePredictions(p: SplitPredictions): Uint8Array {
  const n = p.labels.length;
  const bytes = new Uint8Array(n * PREDICTION_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    view.setUint16(2 * i, p.labels[i], true);
    view.setUint16(2 * n + 2 * i, p.predicted[i], true);
    view.setFloat32(4 * n + 4 * i, p.confidence[i], true);
  }
  return bytes;
}

export function decodePredictions(bytes: Uint8Array): SplitPredictions {
  if (bytes.length % PREDICTION_BYTES !== 0) throw new WorkbenchError(`stored predictions have ${bytes.length} bytes, not a multiple of 8`);
  const n = bytes.length / PREDICTION_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SplitPredictions = { labels: new Uint16Array(n), predicted: new Uint16Array(n), confidence: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    out.labels[i] = view.getUint16(2 * i, true);
    out.predicted[i] = view.getUint16(2 * n + 2 * i, true);
    out.confidence[i] = view.getFloat32(4 * n + 4 * i, true);
  }
  return out;
}

/** The confusion matrix (rows true, columns predicted) the predictions make. */
export function confusionOf(p: SplitPredictions, numClasses: number): number[][] {
  const confusion = Array.from({ length: numClasses }, () => Array<number>(numClasses).fill(0));
  p.labels.forEach((label, i) => confusion[label][p.predicted[i]]++);
  return confusion;
}
