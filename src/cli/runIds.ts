import { WorkbenchError } from '../core/errors.js';

/** A run id given on the command line: a whole number from 1. */
export function runId(command: string, text: string | undefined, example: string): number {
  const id = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1)
    throw new WorkbenchError(`${command}: ${text === undefined ? 'give' : `"${text}" is not`} a run id, e.g. ${example}`);
  return id;
}

/** A split flag's value, one of `allowed` (the first is the default). */
export function splitFlag<S extends string>(command: string, value: string | undefined, allowed: readonly S[]): S {
  if (value === undefined) return allowed[0];
  if (!(allowed as readonly string[]).includes(value))
    throw new WorkbenchError(`${command}: --split is ${allowed.join(' or ')}, got "${value}"`);
  return value as S;
}
