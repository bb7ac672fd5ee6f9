import * as tf from '@tensorflow/tfjs-core';
import { GPT2 } from '../../core/model/gpt2.js';
import { SequenceClassifier } from '../../core/model/sequenceClassifier.js';
import { AdamW } from '../../core/train/adamw.js';
import { ParallelTrainer } from '../../core/train/parallel/parallelTrainer.js';
import { splitEvenly, type Shard } from '../../core/train/parallel/shards.js';
import { trainThreadCount } from '../../core/train/parallel/threadCount.js';
import { BATCH, GPT2_SMALL_BLOCK, LONG, medianSeconds } from './measure.js';

/**
 * Seconds of blockFigures's training step (the top block from cached states, BATCH × LONG) on two
 * threads; null where training does not use threads (native backends).
 */
export async function twoThreadTrainStep(repeats: number): Promise<number | null> {
  if (trainThreadCount(2, 0) < 2) return null;
  const model = new SequenceClassifier(GPT2.random(GPT2_SMALL_BLOCK, 1), 2, 'last-position', 1);
  model.setTrainable({ kind: 'last', blocks: 1 });
  const optimizer = new AdamW({ learningRate: 5e-5, weightDecay: 0.1 });
  const trainer = await ParallelTrainer.start(model, optimizer, 2);
  try {
    const rowSize = LONG * GPT2_SMALL_BLOCK.nEmbd;
    const hidden = tf.tidy(() => tf.randomNormal([BATCH * rowSize], 0, 1, 'float32', 7).dataSync() as Float32Array);
    const parts = splitEvenly([...Array(BATCH).keys()], 2);
    // Fresh arrays each step: the other thread's shard is transferred to it.
    const shards = (): Shard[] =>
      parts.map((rows) => ({
        batch: { ids: rows.map(() => Array<number>(LONG).fill(0)), lengths: rows.map(() => LONG), labels: rows.map((i) => i % 2) },
        prefix: { data: hidden.slice(rows[0] * rowSize, (rows[0] + rows.length) * rowSize), k: 0 },
      }));
    return await medianSeconds(repeats, () => trainer.step(shards(), null));
  } finally {
    await trainer.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
