import type { EvalSplit } from '../common/api.js';
import type { RunConfig } from '../common/runConfig.js';
import type { LabeledRow } from '../core/data/validation.js';
import { loadSplits } from '../core/train/run.js';

const KEPT = 4;

/**
 * The messages of a run's splits, in the order its predictions were stored: read and split again from the data
 * set exactly as the training process did. The last few splits are kept, as Mistakes and Disagreements ask often.
 */
export class SplitMessages {
  private readonly recent = new Map<string, Promise<Record<EvalSplit, LabeledRow[]>>>();

  constructor(private readonly cacheDir: string) {}

  /** `config` resolved to the stored file (DatasetCatalog.resolve); `key` the run's split key. */
  async of(key: string, config: RunConfig, split: EvalSplit): Promise<LabeledRow[]> {
    let splits = this.recent.get(key);
    if (!splits) {
      splits = loadSplits(config, { cacheDir: this.cacheDir }).then(({ splits: s }) => ({ train: s.train, val: s.val, test: s.test }));
      this.recent.set(key, splits);
      splits.catch(() => this.recent.delete(key));
      if (this.recent.size > KEPT) this.recent.delete(this.recent.keys().next().value!);
    }
    return (await splits)[split];
  }
}
