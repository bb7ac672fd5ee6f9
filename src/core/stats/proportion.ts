import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { checkConfidence, checkSuccesses } from './checks.js';

/*
 * Intervals for an accuracy (one proportion) and for a gap between two accuracies. Score intervals
 * rather than the textbook p ± z·√(p(1−p)/n): near 0 or 1 — where a spam classifier's accuracies
 * live — that Wald interval is too narrow, and at 0/n or n/n it has width zero.
 */

/** The two-sided standard-normal quantile for a confidence level: 1.959963984540054 at 0.95. */
export function zFor(confidence: number): number {
  checkConfidence(confidence);
  return normalQuantile(1 - (1 - confidence) / 2, 0, 1);
}

/**
 * Wilson's score interval for successes/n, without continuity correction: the same numbers as
 * statsmodels' `proportion_confint(successes, n, method="wilson")`. n = 0 says nothing: [0, 1].
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): [number, number] {
  checkSuccesses(successes, n);
  const z = zFor(confidence);
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At 0/n and n/n the bound is exactly 0 or 1; the subtraction may leave a rounding crumb either side.
  const lo = successes === 0 ? 0 : Math.max(0, centre - half);
  const hi = successes === n ? 1 : Math.min(1, centre + half);
  return [lo, hi];
}

/**
 * Newcombe's hybrid score interval for p1 − p2 (method 10 of Newcombe 1998, "Interval estimation
 * for the difference between independent proportions"): each side widens the difference by the
 * two Wilson half-widths that point that way, added in quadrature. Equal to statsmodels'
 * `confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")`.
 * Either n = 0 says nothing: [−1, 1].
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, confidence = 0.95): [number, number] {
  checkSuccesses(x1, n1, '1');
  checkSuccesses(x2, n2, '2');
  checkConfidence(confidence);
  if (n1 === 0 || n2 === 0) return [-1, 1];
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const [l1, u1] = wilsonInterval(x1, n1, confidence);
  const [l2, u2] = wilsonInterval(x2, n2, confidence);
  const d = p1 - p2;
  const lo = d - Math.hypot(p1 - l1, u2 - p2);
  const hi = d + Math.hypot(u1 - p1, p2 - l2);
  return [Math.max(-1, lo), Math.min(1, hi)];
}
