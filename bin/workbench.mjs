#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so the package needs no build step for the command line.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
