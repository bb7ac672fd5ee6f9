import { describe, expect, it } from 'vitest';
import type { Example } from '../data/examples.js';
import { confusionOf, decodePredictions, encodePredictions, PREDICTION_BYTES, PredictionRecorder } from './predictions.js';

const examples: Example[] = [
  { ids: [1, 2, 3], label: 0 },
  { ids: [4], label: 1 },
  { ids: [5, 6], label: 2 },
  { ids: [7], label: 1 },
];

describe('predictions', () => {
  it('are recorded in the split’s order whatever the batch order', () => {
    const recorder = new PredictionRecorder(examples);
    recorder.add(examples[3], 0, Math.log(0.75));
    recorder.add(examples[1], 1, Math.log(0.5));
    recorder.add(examples[0], 0, Math.log(0.9));
    recorder.add(examples[2], 1, Math.log(0.4));
    const p = recorder.result();
    expect([...p.labels]).toEqual([0, 1, 2, 1]);
    expect([...p.predicted]).toEqual([0, 1, 1, 0]);
    expect([...p.confidence].map((c) => +c.toFixed(6))).toEqual([0.9, 0.5, 0.4, 0.75]);
    expect(confusionOf(p, 3)).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [0, 1, 0],
    ]);
  });

  it('refuse an example from elsewhere, and a split not wholly evaluated', () => {
    const recorder = new PredictionRecorder(examples);
    expect(() => recorder.add({ ids: [1, 2, 3], label: 0 }, 0, 0)).toThrow(/not in the split/);
    recorder.add(examples[0], 0, 0);
    expect(() => recorder.result()).toThrow(/predictions for 1 of 4 examples/);
  });

  it('pack into 8 bytes an example and back, classes up to 65,535', () => {
    const p = {
      labels: Uint16Array.from([0, 65535, 7]),
      predicted: Uint16Array.from([3, 2, 65535]),
      confidence: Float32Array.from([0.5, 1, 0.123456789]),
    };
    const bytes = encodePredictions(p);
    expect(bytes.length).toBe(3 * PREDICTION_BYTES);
    // A view into a larger buffer (as SQLite hands blobs back) decodes the same.
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 3);
    expect(decodePredictions(padded.subarray(3, 3 + bytes.length))).toEqual(p);
    expect(decodePredictions(new Uint8Array(0)).labels.length).toBe(0);
    expect(() => decodePredictions(new Uint8Array(12))).toThrow(/not a multiple of 8/);
  });
});
