import type { RunSummary } from '../../common/api.js';

export type GapKey = 'trainVal' | 'trainTest';
export type SortDirection = 'desc' | 'asc';

/**
 * Runs ordered by an overfitting gap, largest first by default; runs without a gap (not finished)
 * go last in either direction, ties by id so the order is stable.
 */
export function sortByGap<T extends Pick<RunSummary, 'id' | 'gap'>>(
  runs: readonly T[],
  key: GapKey,
  direction: SortDirection = 'desc',
): T[] {
  const sign = direction === 'desc' ? -1 : 1;
  return [...runs].sort((a, b) => {
    const ga = a.gap?.[key];
    const gb = b.gap?.[key];
    if (ga == null || gb == null) return ga == null && gb == null ? a.id - b.id : ga == null ? 1 : -1;
    return ga === gb ? a.id - b.id : sign * (ga - gb);
  });
}
