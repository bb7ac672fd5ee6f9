// Source runs (the tsx CLI, vitest) start training threads here: a worker thread does not inherit
// the module hooks its parent registered, so it registers those of bin/workbench.mjs itself.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('../../../../bin/tfjs-esm-resolve.mjs', import.meta.url);
registerTsx();
await import('./trainThread.ts');
