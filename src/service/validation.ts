import { apiMethods, type ApiMethodName, type WorkbenchApi } from '../common/api.js';
import { tooDeep } from '../common/apiChecks.js';
import { MAX_ARGUMENT_DEPTH, nestedDeeperThan } from '../common/jsonDepth.js';
import { InvalidRequest } from './errors.js';

/** Checks a call's arguments against the API's schemas; a mismatch is one clear line naming the argument and field. */
export function parseArgs<M extends ApiMethodName>(method: M, args: unknown[]): Parameters<WorkbenchApi[M]> {
  if (nestedDeeperThan(args, MAX_ARGUMENT_DEPTH)) throw new InvalidRequest(`${method}: ${tooDeep()}`);
  const parsed = (
    apiMethods[method].args as {
      safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; message: string }[] } };
    }
  ).safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error!.issues[0];
    const [index, ...field] = issue.path;
    const where =
      issue.path.length === 0 ? 'arguments' : `argument ${Number(index) + 1}${field.length ? ` (${field.map(String).join('.')})` : ''}`;
    throw new InvalidRequest(`${method}: ${where}: ${issue.message}`);
  }
  return parsed.data as Parameters<WorkbenchApi[M]>;
}

/** The same API with every call's arguments validated first (callers across a process boundary are not trusted). */
export function validated(api: WorkbenchApi): WorkbenchApi {
  const out: Partial<Record<ApiMethodName, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const method of Object.keys(apiMethods) as ApiMethodName[]) {
    const impl = api[method] as (...args: unknown[]) => Promise<unknown>;
    out[method] = async (...args: unknown[]) => impl.apply(api, parseArgs(method, args));
  }
  return out as WorkbenchApi;
}
