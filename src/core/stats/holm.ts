/*
 * Holm–Bonferroni: comparing many pairs of runs turns up a "significant" one by chance, so each
 * p-value is scaled by how many comparisons remain at its rank. Uniformly more powerful than plain
 * Bonferroni and, like it, valid whatever the dependence between the tests.
 */

/**
 * Holm-adjusted p-values, in the input order: sort ascending, multiply the i-th smallest (from 0)
 * by m − i, carry the running maximum down the sorted list (so a larger raw p never gets a smaller
 * adjusted one), cap at 1. Equal to statsmodels' `multipletests(p, method="holm")[1]`.
 */
export function holm(p: readonly number[]): number[] {
  const bad = p.findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0) throw new RangeError(`p[${bad}] is ${p[bad]}, not a p-value in [0, 1]`);
  const m = p.length;
  const order = p.map((_, i) => i).sort((i, j) => p[i] - p[j]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[index]));
    adjusted[index] = running;
  });
  return adjusted;
}
