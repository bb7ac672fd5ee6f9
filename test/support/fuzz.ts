import { expect } from 'vitest';
import { isUserError } from '../../src/cli/command.js';
import { WorkbenchError } from '../../src/core/errors.js';

/*
 * What every fuzzed reader must do with any input: succeed, or fail with our one-line error
 * (WorkbenchError; the CLI also prints Node's argument-parsing errors as one line). Anything
 * else — a TypeError, a RangeError, a tfjs error, a message spanning lines — is a bug.
 */

export function expectOneLineError(err: unknown, allowParseArgs = false): void {
  if (!(allowParseArgs ? isUserError(err) : err instanceof WorkbenchError)) throw err; // fast-check then shows the input and this error
  expect((err as Error).message).not.toMatch(/[\r\n]/);
}

/** Runs `read`; a failure must be one line. Returns the result, or undefined when it failed properly. */
export async function okOrOneLineError<T>(read: () => T | Promise<T>, allowParseArgs = false): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    expectOneLineError(err, allowParseArgs);
    return undefined;
  }
}

/** Case counts per property: CI keeps the whole fuzz suite well under a minute; FUZZ_SCALE=10 digs deeper locally. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * Number(process.env.FUZZ_SCALE ?? 1)));
}
