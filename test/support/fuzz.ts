import fc from 'fast-check';
import { expect } from 'vitest';
import { isUserError, userMessage } from '../../src/cli/command.js';
import { WorkbenchError } from '../../src/core/errors.js';

/*
 * What every fuzzed reader must do with any input: succeed, or fail with our one-line error
 * (WorkbenchError; the CLI also prints Node's argument-parsing errors as one line). Anything
 * else — a TypeError, a RangeError, a tfjs error, a message spanning lines — is a bug.
 */

export function expectOneLineError(err: unknown, allowParseArgs = false): void {
  if (!(allowParseArgs ? isUserError(err) : err instanceof WorkbenchError)) throw err; // fast-check then shows the input and this error
  expect(userMessage(err as Error)).not.toMatch(/[\r\n]/);
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

/*
 * A fixed seed by default, so whether a commit lands never depends on which inputs were drawn;
 * FUZZ_SEED=random (or another number) explores new ones, and fast-check prints the seed of a failure.
 */
const seed = process.env.FUZZ_SEED ?? '20261129';
if (seed !== 'random') fc.configureGlobal({ seed: Number(seed) });

/** Case counts per property: CI keeps the whole fuzz suite well under a minute; FUZZ_SCALE=10 digs deeper locally. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * Number(process.env.FUZZ_SCALE ?? 1)));
}

type Json = unknown;
const DELETE = Symbol('delete');

/** Every path to a value inside json (objects and arrays included), the root first. */
function pathsOf(json: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const inner =
    typeof json === 'object' && json !== null
      ? Object.entries(json).flatMap(([k, v]) => pathsOf(v, [...prefix, Array.isArray(json) ? Number(k) : k]))
      : [];
  return [prefix, ...inner];
}

function applyEdit(json: Json, [pick, value]: [number, Json | typeof DELETE]): Json {
  const paths = pathsOf(json).filter((p) => p.length > 0);
  if (paths.length === 0) return value === DELETE ? json : value;
  const path = paths[pick % paths.length];
  const copy = structuredClone(json) as Record<string | number, Json>;
  const parent = path.slice(0, -1).reduce<Record<string | number, Json>>((o, k) => o[k] as Record<string | number, Json>, copy);
  const key = path[path.length - 1];
  if (value === DELETE) delete parent[key];
  else parent[key] = value;
  return copy;
}

/**
 * The text of `base` (a JSON file's content) with 1–3 values replaced by random JSON or deleted,
 * or, now and then, cut short: what a damaged or hand-edited file holds.
 */
export function mutatedJson(base: Json): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.oneof(fc.constant<typeof DELETE>(DELETE), fc.jsonValue({ maxDepth: 2 })));
  const edited = fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => JSON.stringify(edits.reduce(applyEdit, base)) ?? 'null');
  const cut = fc.nat().map((n) => JSON.stringify(base).slice(0, n % JSON.stringify(base).length));
  return fc.oneof({ arbitrary: edited, weight: 9 }, { arbitrary: cut, weight: 1 });
}
