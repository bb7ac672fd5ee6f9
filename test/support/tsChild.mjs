// Runs a TypeScript file (argv[2]) in a plain Node process, as bin/workbench.mjs runs the CLI:
// for tests that need a real child process to kill.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';

register('../../bin/tfjs-esm-resolve.mjs', import.meta.url);
registerTsx();
await import(pathToFileURL(process.argv[2]).href);
