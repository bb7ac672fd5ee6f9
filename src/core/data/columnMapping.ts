import { WorkbenchError } from '../errors.js';
import { LABEL_COLUMN_NAMES, TEXT_COLUMN_NAMES } from './columnNames.js';
import type { Table } from './table.js';

/** A column given by its header name or its 0-based index (a number, or digits when no header has that name). */
export type ColumnRef = string | number;

export interface ColumnOptions {
  textColumn?: ColumnRef;
  labelColumn?: ColumnRef;
}

export interface ColumnChoice {
  text: number;
  label: number;
}

/**
 * Picks the text and label columns. Given ones are used as they are; otherwise a known header name
 * decides ("text", "label", …), and failing that the data: labels are the column with the fewest
 * distinct values, the text the column with the longest values on average (leftmost on ties).
 */
export function chooseColumns(table: Table, options: ColumnOptions = {}): ColumnChoice {
  if (table.columns.length < 2) throw new WorkbenchError('the file has only one column; a text and a label column are needed');
  const given = {
    text: options.textColumn === undefined ? undefined : resolveColumn(table, options.textColumn),
    label: options.labelColumn === undefined ? undefined : resolveColumn(table, options.labelColumn),
  };
  let label = given.label ?? columnNamed(table, LABEL_COLUMN_NAMES, given.text);
  let text = given.text ?? columnNamed(table, TEXT_COLUMN_NAMES, label);
  label ??= bestColumn(table, text, (values) => -new Set(values).size);
  text ??= bestColumn(table, label, (values) => values.reduce((sum, v) => sum + v.length, 0) / Math.max(1, values.length));
  if (text === label) throw new WorkbenchError(`the text and the label column are the same column (${describeColumn(table, text)})`);
  return { text, label };
}

function resolveColumn(table: Table, ref: ColumnRef): number {
  const byName = typeof ref === 'string' && table.header ? table.columns.indexOf(ref) : -1;
  if (byName !== -1) return byName;
  const index = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : NaN;
  if (Number.isInteger(index) && index >= 0 && index < table.columns.length) return index;
  throw new WorkbenchError(`no column ${JSON.stringify(ref)}: the columns are ${describeColumns(table)}`);
}

function describeColumns(table: Table): string {
  return table.columns.map((_, i) => describeColumn(table, i)).join(', ');
}

/** A column for a one-line message: its index, and its header name quoted (a name may hold a line break). */
function describeColumn(table: Table, i: number): string {
  return table.header ? `${i} ${JSON.stringify(table.columns[i])}` : String(i);
}

function columnNamed(table: Table, names: readonly string[], exclude: number | undefined): number | undefined {
  if (!table.header) return undefined;
  const index = table.columns.findIndex((c, i) => i !== exclude && names.includes(c.toLowerCase()));
  return index === -1 ? undefined : index;
}

/** The column (other than `exclude`) with the highest score of its values; the leftmost wins ties. */
function bestColumn(table: Table, exclude: number | undefined, score: (values: string[]) => number): number {
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < table.columns.length; i++) {
    if (i === exclude) continue;
    const s = score(table.records.map((r) => r.fields[i].trim()));
    if (s > bestScore) [best, bestScore] = [i, s];
  }
  return best;
}
