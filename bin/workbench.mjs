#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so the command line needs no build step.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./tfjs-esm-resolve.mjs', import.meta.url);
registerTsx();
await import('../src/cli/main.ts');
