import type { RunDetail, RunSummary } from '../common/api.js';
import { percent } from './progressBar.js';

/** A run as `runs list --json` prints it. */
export function runRecord(r: RunSummary) {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    config: r.config,
    accuracy: r.accuracy,
    gap: r.gap,
    seconds: r.seconds,
    error: r.error,
  };
}

/** A run as `runs show --json` prints it: the list's fields plus curves and confusion matrices. */
export function runDetailRecord(r: RunDetail) {
  const e = r.evaluation;
  return {
    ...runRecord(r),
    dataset: r.datasetName,
    labels: r.labels,
    parameters: r.parameters,
    backend: r.backend,
    duplicateOf: r.duplicateOf,
    resumedFromEpoch: r.resumedFromEpoch,
    restarts: r.restarts,
    loss: e && { train: e.train.loss, val: e.val.loss, test: e.test.loss },
    confusion: e && { train: e.train.confusion, val: e.val.confusion, test: e.test.confusion },
    curves: r.curves,
  };
}

export function accuracyText(a: RunSummary['accuracy']): string {
  return a ? `train ${percent(a.train)} · val ${percent(a.val)} · test ${percent(a.test)}` : '';
}

export function gapText(g: RunSummary['gap']): string {
  const points = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
  return g ? `gap ${points(g.trainVal)} / ${points(g.trainTest)} points` : '';
}
