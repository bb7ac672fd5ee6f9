import type { SplitName } from '../../core/data/split.js';
import { parseRunConfig } from '../../common/runConfig.js';
import { WorkbenchError } from '../../core/errors.js';
import { runTraining } from '../../core/train/run.js';
import { TrainProgress } from '../progressBar.js';

export interface MeasuredRecipe {
  seconds: number;
  trainSeconds: number;
  steps: number;
  /** Final accuracy on the whole splits. */
  accuracy: Record<SplitName, number>;
}

/**
 * The book's recipe run end to end, as `workbench train` runs it (GPT-2 small, pretrained or random, and
 * the SMS set from the cache, downloaded on first use), in book mode and in last-token mode.
 */
export async function runFullRecipes(
  weights: 'pretrained' | 'random',
  note: (text: string) => void,
): Promise<{ book: MeasuredRecipe; lastToken: MeasuredRecipe }> {
  const run = async (pooling: 'last-position' | 'last-token'): Promise<MeasuredRecipe> => {
    const parsed = parseRunConfig({ pooling, model: { preset: 'gpt2-small', weights } });
    if (!parsed.ok) throw new WorkbenchError(`bench: ${parsed.error}`);
    note(`--full: the book's recipe, pooling ${pooling}`);
    const progress = new TrainProgress();
    try {
      const { seconds, outcome } = await runTraining(parsed.config, { onEvent: progress.onEvent });
      const { train, val, test } = outcome.final;
      const accuracy = { train: train.accuracy, val: val.accuracy, test: test.accuracy };
      return { seconds, trainSeconds: outcome.trainSeconds, steps: outcome.steps, accuracy };
    } finally {
      progress.finish();
    }
  };
  return { book: await run('last-position'), lastToken: await run('last-token') };
}
