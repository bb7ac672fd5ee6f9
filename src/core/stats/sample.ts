import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { checkConfidence, checkFinite } from './checks.js';

/*
 * Summaries of a few repeats of one configuration under different seeds (a metric per seed): how
 * much a result moves with the seed alone, and whether two configurations differ by more than that.
 * With 3–5 seeds the t distribution, not the normal, gives the interval and the p-value.
 */

export interface MeanSd {
  n: number;
  mean: number;
  /** Sample standard deviation (divisor n − 1); null for a single value, which shows no spread. */
  sd: number | null;
}

/** Mean and sample sd of at least one finite value (an empty list has no mean: RangeError). */
export function meanSd(values: readonly number[]): MeanSd {
  checkFinite('values', values);
  const n = values.length;
  if (n === 0) throw new RangeError('meanSd needs at least one value');
  const mean = sum(values) / n;
  // Two passes (deviations from the mean) rather than Σx² − n·mean²: seed repeats agree to many
  // digits (0.9721, 0.9716, …), where the one-pass formula cancels catastrophically.
  const sd = n < 2 ? null : Math.sqrt(sumSquaredDeviations(values, mean) / (n - 1));
  return { n, mean, sd };
}

/** The t-interval for the mean, mean ± t_{n−1}·sd/√n; null under 2 values (no spread to scale by). */
export function tInterval(values: readonly number[], confidence = 0.95): [number, number] | null {
  checkConfidence(confidence);
  if (values.length < 2) {
    checkFinite('values', values);
    return null;
  }
  const { n, mean, sd } = meanSd(values);
  const half = (tQuantile(1 - (1 - confidence) / 2, n - 1) * (sd as number)) / Math.sqrt(n);
  return [mean - half, mean + half];
}

export interface WelchResult {
  /** (mean a − mean b) / standard error: positive when a is larger. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom (not a whole number in general). */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * Welch's t-test (unequal variances) of mean a = mean b, two-sided: the same t and p as scipy's
 * `ttest_ind(a, b, equal_var=False)`. Each sample needs at least 2 values.
 *
 * Both samples constant (every variance 0), where scipy answers NaN, this answers something usable:
 * equal means → t 0, p 1; different means → t ±Infinity, p 0 (a difference with no noise at all).
 * df is then n1 + n2 − 2, the pooled df, since Welch–Satterthwaite's is 0/0.
 */
export function welchTest(a: readonly number[], b: readonly number[]): WelchResult {
  if (a.length < 2 || b.length < 2) {
    throw new RangeError(`Welch's t-test needs at least 2 values in each sample, got ${a.length} and ${b.length}`);
  }
  checkFinite('a', a);
  checkFinite('b', b);
  const n1 = a.length;
  const n2 = b.length;
  const mean1 = sum(a) / n1;
  const mean2 = sum(b) / n2;
  const v1 = sumSquaredDeviations(a, mean1) / (n1 - 1) / n1; // squared standard error of each mean
  const v2 = sumSquaredDeviations(b, mean2) / (n2 - 1) / n2;
  const se2 = v1 + v2;
  const diff = mean1 - mean2;
  if (se2 === 0) {
    const df = n1 + n2 - 2;
    return diff === 0 ? { t: 0, df, p: 1 } : { t: diff > 0 ? Infinity : -Infinity, df, p: 0 };
  }
  const t = diff / Math.sqrt(se2);
  // (v1 + v2)² / (v1²/(n1−1) + v2²/(n2−1)), written with shares of se2 so tiny variances don't underflow.
  const r1 = v1 / se2;
  const r2 = v2 / se2;
  const df = 1 / ((r1 * r1) / (n1 - 1) + (r2 * r2) / (n2 - 1));
  const p = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  return { t, df, p };
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function sumSquaredDeviations(values: readonly number[], mean: number): number {
  let s = 0;
  for (const v of values) s += (v - mean) * (v - mean);
  return s;
}
