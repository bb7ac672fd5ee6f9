import type { GroupSummary, PairTest, PlannedRun, RunErrors } from '../../common/api.js';

/** Where a planned run sits among its group: groups numbered 1, 2, … in order of first appearance. */
export interface PlanGroupRow {
  group: number;
  /** Runs planned in the group. */
  size: number;
  /** Whether this row starts its group (the preview draws a line above it). */
  first: boolean;
}

/** The group of each planned run, for a preview that shows repeats of one setting together. */
export function planGroups(plan: readonly Pick<PlannedRun, 'group'>[]): PlanGroupRow[] {
  const numbers = new Map<string, number>();
  const sizes = new Map<string, number>();
  for (const { group } of plan) {
    if (!numbers.has(group)) numbers.set(group, numbers.size + 1);
    sizes.set(group, (sizes.get(group) ?? 0) + 1);
  }
  return plan.map(({ group }, i) => ({
    group: numbers.get(group)!,
    size: sizes.get(group)!,
    first: i === 0 || plan[i - 1].group !== group,
  }));
}

/** Groups with repeats (n ≥ 2): only they have a spread and an interval of their own. */
export function groupsWithRepeats(groups: readonly GroupSummary[]): GroupSummary[] {
  return groups.filter((g) => g.n >= 2);
}

/** Pairs that differ beyond chance first, then by Holm-corrected p, so the verdicts that matter come first. */
export function orderPairs(pairs: readonly PairTest[]): PairTest[] {
  return [...pairs].sort((x, y) => Number(y.distinguishable) - Number(x.distinguishable) || x.pHolm - y.pHolm || x.a - y.a || x.b - y.b);
}

/** A run's mistakes with a given true and predicted label ('' for any), in the service's order (most confident first). */
export function filterMistakes(errors: RunErrors['errors'], label: string, predicted: string): RunErrors['errors'] {
  return errors.filter((e) => (!label || e.label === label) && (!predicted || e.predicted === predicted));
}
