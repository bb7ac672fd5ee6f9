/*
 * Argument checks shared by the statistics: a count that is negative, fractional or NaN would
 * otherwise come out as a plausible-looking interval or p-value, so misuse fails loudly instead.
 */

export function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
}

/** successes out of n: both counts, successes ≤ n. */
export function checkSuccesses(successes: number, n: number, which = ''): void {
  checkCount(`successes${which}`, successes);
  checkCount(`n${which}`, n);
  if (successes > n) throw new RangeError(`successes${which} (${successes}) exceed n${which} (${n})`);
}

export function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1 (e.g. 0.95), got ${confidence}`);
}

export function checkFinite(name: string, values: readonly number[]): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${name}[${bad}] is ${values[bad]}, not a finite number`);
}
