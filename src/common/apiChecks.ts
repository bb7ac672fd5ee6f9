import { z } from 'zod';
import { apiMethods, type ApiMethodName, type WorkbenchApi } from './api.js';
import { MAX_ARGUMENT_DEPTH, nestedDeeperThan } from './jsonDepth.js';

// The checks every transport applies to a call crossing a process boundary (IPC in main, HTTP in
// serve mode), so both refuse the same calls with the same words.

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** The arguments as the method's tuple schema reads them, or why not ("invalid arguments (N given):" and zod's issues). */
export function checkArgs<M extends ApiMethodName>(method: M, raw: unknown): Checked<Parameters<WorkbenchApi[M]>> {
  if (nestedDeeperThan(raw, MAX_ARGUMENT_DEPTH)) return { ok: false, message: tooDeep() };
  const parsed = apiMethods[method].args.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data as Parameters<WorkbenchApi[M]> };
  // The schema is a tuple of all arguments, so issues read "at [0]…", and a wrong count "Too big/small".
  const given = Array.isArray(raw) ? `${raw.length} argument${raw.length === 1 ? '' : 's'} given` : 'not a list of arguments';
  return { ok: false, message: `invalid arguments (${given}):\n${z.prettifyError(parsed.error)}` };
}

/** The result as the contract promises it, or why the implementation broke the promise. */
export function checkResult<M extends ApiMethodName>(method: M, value: unknown): Checked<Awaited<ReturnType<WorkbenchApi[M]>>> {
  const parsed = apiMethods[method].result.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data as Awaited<ReturnType<WorkbenchApi[M]>> };
  return { ok: false, message: `the app returned an invalid result:\n${z.prettifyError(parsed.error)}` };
}

/** The one line for arguments nested deeper than any schema allows (checked before the schema, which recurses). */
export function tooDeep(): string {
  return `invalid arguments: nested more than ${MAX_ARGUMENT_DEPTH} levels deep, deeper than any argument of the API`;
}
