import { expect } from 'vitest';
import { WorkbenchError } from '../../src/core/errors.js';

/** The WorkbenchError that `promise` rejects with; the test fails if it resolves or rejects with anything else. */
export async function errorOf(promise: Promise<unknown>): Promise<WorkbenchError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkbenchError);
  return err as WorkbenchError;
}

/** The message of the WorkbenchError that `promise` rejects with. */
export async function messageOf(promise: Promise<unknown>): Promise<string> {
  return (await errorOf(promise)).message;
}
