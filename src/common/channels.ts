import type { ApiMethodName } from './api.js';

// Method names and channels without zod, so the sandboxed preload that imports them stays a few
// lines of code instead of bundling the schema library it never uses (main validates).

// A record rather than a list: the compiler flags a WorkbenchApi method missing here, and a name
// that is not one.
const methods: { [K in ApiMethodName]: true } = {
  getSystemInfo: true,
};

export const apiMethodNames = Object.keys(methods) as ApiMethodName[];

/** Every method has its own channel, `workbench:<method>`; main handles nothing else under that prefix. */
export function channelFor(method: ApiMethodName): `workbench:${ApiMethodName}` {
  return `workbench:${method}`;
}
