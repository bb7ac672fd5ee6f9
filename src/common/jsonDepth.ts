/** Nesting deeper than any API argument's schema allows (a run grid's deepest value is about 6 levels down). */
export const MAX_ARGUMENT_DEPTH = 32;

/**
 * Whether `value` nests arrays and objects deeper than `max` levels, found without recursion (a body
 * nested 10,000 deep must be refused, not overflow the stack of the schema check or structuredClone).
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
