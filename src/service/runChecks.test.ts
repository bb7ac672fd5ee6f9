import { describe, expect, it } from 'vitest';
import { BOOK_RUN_CONFIG } from '../common/runConfig.js';
import { PRESETS } from '../core/model/config.js';
import { countParameters } from '../core/model/trainable.js';
import { memoryNeeded, memoryProblem } from './runChecks.js';

const shape = PRESETS['gpt2-small'];
const parameters = countParameters(shape, 2, BOOK_RUN_CONFIG.trainable);

describe('the memory a training step needs', () => {
  it('counts the host optimizer’s copy and moments of every trained weight on ONNX Runtime (12 bytes each)', () => {
    const onnx = memoryNeeded(BOOK_RUN_CONFIG, shape, parameters, 'onnx').bytes;
    const tfjs = memoryNeeded(BOOK_RUN_CONFIG, shape, parameters, 'tfjs').bytes;
    expect(parameters.trainable).toBe(7_090_946);
    expect(onnx - tfjs).toBe(12 * parameters.trainable);
  });

  it('refuses on ONNX Runtime a step that fits only without the host copies', () => {
    const tfjs = memoryNeeded(BOOK_RUN_CONFIG, shape, parameters, 'tfjs').bytes;
    expect(memoryProblem(BOOK_RUN_CONFIG, shape, parameters, 'tfjs', tfjs)).toBeNull();
    expect(memoryProblem(BOOK_RUN_CONFIG, shape, parameters, 'onnx', tfjs)).toMatch(
      /^one training step needs at least [\d.]+ MB of memory, more than/,
    );
  });
});
