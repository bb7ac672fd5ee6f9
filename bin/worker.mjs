#!/usr/bin/env node
// The training process of the workbench service (src/worker), run through tsx like bin/workbench.mjs.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./tfjs-esm-resolve.mjs', import.meta.url);
registerTsx();
await import('../src/worker/main.ts');
