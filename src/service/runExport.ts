import type { GroupSummary, Interval, RunDetail, RunSummary } from '../common/api.js';
import { formatTrainable, type Trainable } from '../common/modelSpec.js';
import { splitSeedOf, type RunConfig } from '../common/runConfig.js';
import { configFields } from './configFields.js';

/*
 * `runs export` and the Runs page's Export buttons: one row per run (or per group of repeats) with what differs
 * between them, every figure with its interval, tags and notes — as CSV or JSON.
 */

type Cell = string | number | boolean | null;

/** Config fields as export columns; the split seed spelled out (a repeat writes it, other runs leave it to the seed). */
function fieldsOf(config: RunConfig): Map<string, unknown> {
  return configFields({ ...config, splitSeed: splitSeedOf(config) });
}

/** The fields that are not the same in every config: a column that is the same in every row says nothing. */
function varyingNames(fields: Map<string, unknown>[], ignore: string[]): string[] {
  return [...new Set(fields.flatMap((f) => [...f.keys()]))].filter(
    (n) => !ignore.includes(n) && new Set(fields.map((f) => JSON.stringify(f.get(n) ?? null))).size > 1,
  );
}

const withInterval = (name: string, value: number | undefined, interval: Interval | undefined): Record<string, Cell> => ({
  [name]: value ?? null,
  [`${name}_lo`]: interval?.[0] ?? null,
  [`${name}_hi`]: interval?.[1] ?? null,
});

export function exportRows(runs: (RunSummary & Partial<Pick<RunDetail, 'macroF1'>>)[]): Record<string, Cell>[] {
  const fields = runs.map((r) => fieldsOf(r.config));
  const names = varyingNames(fields, ['name', 'dataset.source']);
  return runs.map((r, i) => {
    const config = Object.fromEntries(names.map((n) => [n, cell(n, fields[i].get(n))]));
    const [a, ci, g, gi] = [r.accuracy, r.intervals, r.gap, r.gapIntervals];
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      dataset: r.datasetName,
      group: r.group,
      tags: r.tags.join(', '),
      note: r.note,
      // Every host it trained on, in order (`local` for this workbench).
      hosts: r.hosts.join(', '),
      ...config,
      ...withInterval('train_accuracy', a?.train, ci?.train),
      ...withInterval('val_accuracy', a?.val, ci?.val),
      ...withInterval('test_accuracy', a?.test, ci?.test),
      ...withInterval('gap_train_val', g?.trainVal, gi?.trainVal),
      ...withInterval('gap_train_test', g?.trainTest, gi?.trainTest),
      macro_f1_train: r.macroF1?.train ?? null,
      macro_f1_val: r.macroF1?.val ?? null,
      macro_f1_test: r.macroF1?.test ?? null,
      seconds: r.seconds,
    };
  });
}

const FIGURES = [
  ['train_accuracy', 'train'],
  ['val_accuracy', 'val'],
  ['test_accuracy', 'test'],
  ['gap_train_val', 'trainVal'],
  ['gap_train_test', 'trainTest'],
] as const;

/** One row per group: n, its runs, what differs between the groups, and mean, sd and t-interval of every figure. */
export function groupRows(groups: GroupSummary[], runs: RunSummary[]): Record<string, Cell>[] {
  const configOf = new Map(runs.map((r) => [r.id, r.config]));
  const fields = groups.map((g) => fieldsOf(configOf.get(g.runs[0])!));
  const names = varyingNames(fields, ['name', 'dataset.source', 'seed']);
  return groups.map((g, i) => {
    const row: Record<string, Cell> = {
      group: g.key,
      name: g.name,
      n: g.n,
      runs: g.runs.join(' '),
      ...Object.fromEntries(names.map((n) => [n, cell(n, fields[i].get(n))])),
    };
    for (const [column, key] of FIGURES) {
      row[`${column}_mean`] = g.mean[key];
      row[`${column}_sd`] = g.sd?.[key] ?? null;
      row[`${column}_ci_lo`] = g.interval?.[key][0] ?? null;
      row[`${column}_ci_hi`] = g.interval?.[key][1] ?? null;
    }
    return row;
  });
}

function cell(field: string, value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (field === 'trainable') return formatTrainable(value as Trainable);
  return typeof value === 'object' ? JSON.stringify(value) : (value as Cell);
}

export function toCsv(rows: Record<string, Cell>[], key: 'runs' | 'groups'): string {
  if (rows.length === 0) return key === 'runs' ? 'id,name,status\n' : 'group,name,n,runs\n';
  const columns = Object.keys(rows[0]);
  const quote = (v: Cell) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\n') + '\n';
}
