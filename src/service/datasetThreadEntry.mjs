// Source runs (the tsx CLI, vitest) start the data-set thread here: a worker thread does not inherit
// the module hooks its parent registered, so it registers tsx itself (as core/train/parallel/threadEntry.mjs does).
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
await import('./datasetThread.ts');
