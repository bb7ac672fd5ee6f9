import type { ClassFigures, GapIntervals, Interval, RunDetail, RunSummary } from '../common/api.js';
import { percent } from './progressBar.js';

type Split = 'train' | 'val' | 'test';
const SPLITS: Split[] = ['train', 'val', 'test'];

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
    intervals: r.intervals,
    gapIntervals: r.gapIntervals,
    group: r.group,
    hasPredictions: r.hasPredictions,
    host: r.host,
  };
}

/** A run as `runs show --json` prints it: the list's fields plus curves, confusion matrices and per-class figures. */
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
    hosts: r.hosts,
    loss: e && { train: e.train.loss, val: e.val.loss, test: e.test.loss },
    confusion: e && { train: e.train.confusion, val: e.val.confusion, test: e.test.confusion },
    count: e && { train: e.train.count, val: e.val.count, test: e.test.count },
    perClass: r.perClass,
    macroF1: r.macroF1,
    splitKey: r.splitKey,
    prefixCache: r.prefixCache,
    curves: r.curves,
  };
}

export function accuracyText(a: RunSummary['accuracy']): string {
  return a ? `train ${percent(a.train)} · val ${percent(a.val)} · test ${percent(a.test)}` : '';
}

/** Signed points, two decimals: "+2.68". */
export function points(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
}

export function gapText(g: RunSummary['gap']): string {
  return g ? `gap ${points(g.trainVal)} / ${points(g.trainTest)} points` : '';
}

/** Each split's accuracy with its 95% Wilson interval: "test 95.67% (95% CI 92.7–97.5)". */
export function accuracyLines(a: NonNullable<RunSummary['accuracy']>, intervals: RunSummary['intervals']): string[] {
  const word: Record<Split, string> = { train: 'train', val: 'val  ', test: 'test ' };
  return SPLITS.map((s) => {
    const ci = intervals ? ` (95% CI ${interval(intervals[s])})` : '';
    return `  ${word[s]} ${percent(a[s]).padStart(7)}${ci}`;
  });
}

/** The two overfitting gaps with their 95% Newcombe intervals, in points. */
export function gapLines(g: NonNullable<RunSummary['gap']>, intervals: GapIntervals | null): string[] {
  const ci = (i: Interval | undefined) => (i ? ` points (95% CI ${signedInterval(i)})` : ' points');
  return [
    `  train − val  ${points(g.trainVal).padStart(7)}${ci(intervals?.trainVal)}`,
    `  train − test ${points(g.trainTest).padStart(7)}${ci(intervals?.trainTest)}`,
  ];
}

/** "92.7–97.5" (percent, one decimal). */
export function interval([lo, hi]: Interval): string {
  return `${(lo * 100).toFixed(1)}–${(hi * 100).toFixed(1)}`;
}

/** "−1.2 to +4.5" (signed points, one decimal). */
export function signedInterval([lo, hi]: Interval): string {
  const f = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
  return `${f(lo)} to ${f(hi)}`;
}

/** A per-class precision/recall/F1 table of one split, with macro-F1 under it. */
export function perClassTable(figures: Record<string, ClassFigures>, macroF1: number): string[] {
  const labels = Object.keys(figures);
  const width = Math.max(8, ...labels.map((l) => l.length));
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`).padStart(9);
  const rows = labels.map((l) => {
    const c = figures[l];
    return `    ${l.padEnd(width)} ${pct(c.precision)} ${pct(c.recall)} ${pct(c.f1)} ${String(c.support).padStart(8)}`;
  });
  return [
    `    ${'label'.padEnd(width)} ${'precision'.padStart(9)} ${'recall'.padStart(9)} ${'F1'.padStart(9)} ${'messages'.padStart(8)}`,
    ...rows,
    `    ${'macro-F1'.padEnd(width)} ${''.padStart(9)} ${''.padStart(9)} ${pct(macroF1)}`,
  ];
}

/** Left-aligned columns, two spaces apart, indented by two; `padded` keeps every line the same length (for a column after them). */
export function table(header: string[], rows: string[][], padded = false): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => {
    const text = `  ${cells.map((cell, c) => cell.padEnd(widths[c])).join('  ')}`;
    return padded ? text : text.trimEnd();
  };
  return [line(header), ...rows.map(line)];
}

export { SPLITS, type Split };
