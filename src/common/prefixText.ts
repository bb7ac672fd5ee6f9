import type { PrefixCacheRecord } from './api.js';

/**
 * A finished run's frozen prefix in words, for the run page and `runs show`: how deep, on which path, for how many
 * messages (`count` formats the number), and what came from the prefix store rather than this run's forwards.
 */
export function prefixText(p: PrefixCacheRecord, count: (n: number) => string = String): string {
  const blocks = (n: number) => `${n} block${n === 1 ? '' : 's'}`;
  const source =
    p.source === 'store'
      ? 'read from the prefix store'
      : p.from
        ? `the first ${blocks(p.from)} read from the prefix store, the rest computed by this run`
        : 'computed by this run';
  const trail = !p.trail
    ? ''
    : p.trail.source === 'read'
      ? `; the steps' dropped first ${blocks(p.trail.depth)} read from a trail`
      : `; the steps' dropped first ${blocks(p.trail.depth)} kept as a trail for later runs`;
  return `${blocks(p.k)} on ${p.inference}, ${count(p.examples)} messages, ${source}${trail}`;
}
