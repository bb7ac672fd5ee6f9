import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import { checkCount } from './checks.js';

/*
 * McNemar's exact test for two classifiers scored on the same messages. Only the messages they
 * disagree on carry information: b = right by the first only, c = right by the second only. If the
 * two are equally good, each disagreement goes either way with chance ½, so min(b, c) is a
 * Binomial(b + c, ½) tail. Exact rather than the χ² approximation because a validation split of a
 * few hundred messages often leaves only a handful of disagreements.
 */

/**
 * Two-sided exact p-value: min(1, 2·P(X ≤ min(b, c))), X ~ Binomial(b + c, ½); 1 when b + c = 0.
 * Equal to statsmodels' `mcnemar([[a, b], [c, d]], exact=True).pvalue`. The tail comes from
 * stdlib's binomial CDF (a regularised incomplete beta), accurate to ~1e-13 relative at b + c =
 * 100,000; a tail below ~1e-308 underflows to 0, as it does in statsmodels.
 */
export function mcnemarExact(b: number, c: number): number {
  checkCount('b', b);
  checkCount('c', c);
  const n = b + c;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialCdf(Math.min(b, c), n, 0.5));
}
