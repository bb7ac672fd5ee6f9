import { RunConfigSchema } from '../../src/common/runConfig.js';
import type { SplitExamples } from '../../src/core/data/examples.js';
import { customConfig } from '../../src/core/model/config.js';
import { GPT2 } from '../../src/core/model/gpt2.js';
import { SequenceClassifier } from '../../src/core/model/sequenceClassifier.js';
import { runFingerprint } from '../../src/core/train/checkpoint.js';

/** The smallest classifier worth saving, the same in every process (seeded), with everything trainable. */
export function tinyClassifier(): SequenceClassifier {
  const model = new SequenceClassifier(GPT2.random(customConfig({ nLayer: 1, nEmbd: 8, nHead: 2, nPositions: 16 }), 1), 2, 'last-token', 1);
  model.setTrainable({ kind: 'all' });
  return model;
}

export const TINY_RUN_CONFIG = RunConfigSchema.parse({
  model: { preset: 'custom', custom: { nLayer: 1, nEmbd: 8, nHead: 2, nPositions: 16 }, weights: 'random' },
  trainable: { kind: 'all' },
  pooling: 'last-token',
});

const TINY_EXAMPLES: SplitExamples = { train: [{ ids: [1, 2], label: 0 }], val: [], test: [] };

export function tinyFingerprint(model: SequenceClassifier) {
  return runFingerprint(TINY_RUN_CONFIG, TINY_EXAMPLES, model);
}
