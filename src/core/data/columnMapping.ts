import { hash } from 'node:crypto';
import { WorkbenchError } from '../errors.js';
import { LABEL_COLUMN_NAMES, TEXT_COLUMN_NAMES } from './columnNames.js';
import { readTable, type TableShape } from './table.js';
import type { TextSource } from './textDecoding.js';

/** Just what the choice reads of a table. */
type Columns = Pick<TableShape, 'header' | 'columns'>;

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

/** Per column, over the data records: how many distinct (trimmed) values it has, counted up to MAX_DISTINCT, and their mean length. */
export interface ColumnFigures {
  distinct: number[];
  meanLength: number[];
}

/** Past this many distinct values a column is not a label column; counting stops there, so it needs no more memory. */
export const MAX_DISTINCT = 10_000;

/**
 * Picks the text and label columns. Given ones are used as they are; otherwise a known header name
 * decides ("text", "label", …), and failing that the data (`figures`, read only then): labels are the
 * column with the fewest distinct values, the text the column with the longest values on average
 * (leftmost on ties).
 */
export function chooseColumns(table: Columns, options: ColumnOptions, figures: () => ColumnFigures): ColumnChoice {
  if (table.columns.length < 2) throw new WorkbenchError('the file has only one column; a text and a label column are needed');
  const given = {
    text: options.textColumn === undefined ? undefined : resolveColumn(table, options.textColumn),
    label: options.labelColumn === undefined ? undefined : resolveColumn(table, options.labelColumn),
  };
  let label = given.label ?? columnNamed(table, LABEL_COLUMN_NAMES, given.text);
  let text = given.text ?? columnNamed(table, TEXT_COLUMN_NAMES, label);
  label ??= bestColumn(table, text, (i) => -figures().distinct[i]);
  text ??= bestColumn(table, label, (i) => figures().meanLength[i]);
  if (text === label) throw new WorkbenchError(`the text and the label column are the same column (${describeColumn(table, text)})`);
  return { text, label };
}

function resolveColumn(table: Columns, ref: ColumnRef): number {
  const byName = typeof ref === 'string' && table.header ? table.columns.indexOf(ref) : -1;
  if (byName !== -1) return byName;
  const index = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : NaN;
  if (Number.isInteger(index) && index >= 0 && index < table.columns.length) return index;
  throw new WorkbenchError(`no column ${JSON.stringify(ref)}: the columns are ${describeColumns(table)}`);
}

function describeColumns(table: Columns): string {
  return table.columns.map((_, i) => describeColumn(table, i)).join(', ');
}

/** A column for a one-line message: its index, and its header name quoted (a name may hold a line break). */
function describeColumn(table: Columns, i: number): string {
  return table.header ? `${i} ${JSON.stringify(table.columns[i])}` : String(i);
}

function columnNamed(table: Columns, names: readonly string[], exclude: number | undefined): number | undefined {
  if (!table.header) return undefined;
  const index = table.columns.findIndex((c, i) => i !== exclude && names.includes(c.toLowerCase()));
  return index === -1 ? undefined : index;
}

/** The column (other than `exclude`) with the highest score; the leftmost wins ties. */
function bestColumn(table: Columns, exclude: number | undefined, score: (column: number) => number): number {
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < table.columns.length; i++) {
    if (i === exclude) continue;
    const s = score(i);
    if (s > bestScore) [best, bestScore] = [i, s];
  }
  return best;
}

/** The figures of the table's data records: one more pass over its text. */
export function columnFigures(text: TextSource, shape: TableShape): ColumnFigures {
  const counter = new ColumnCounter(shape.width);
  readTable(text, shape, { record: (record) => counter.add(record.fields), malformed: () => undefined });
  return counter.figures();
}

/** Adds up ColumnFigures one record at a time. */
class ColumnCounter {
  private readonly values: Set<string>[];
  private readonly lengths: number[];
  private records = 0;

  constructor(width: number) {
    this.values = Array.from({ length: width }, () => new Set<string>());
    this.lengths = new Array<number>(width).fill(0);
  }

  add(fields: readonly string[]): void {
    this.records++;
    for (const [i, field] of fields.entries()) {
      const value = field.trim();
      // Hashes, not the values: a value cut from a chunk of text would keep the whole chunk in memory.
      if (this.values[i].size < MAX_DISTINCT) this.values[i].add(hash('sha256', value, 'base64'));
      this.lengths[i] += value.length;
    }
  }

  figures(): ColumnFigures {
    return { distinct: this.values.map((v) => v.size), meanLength: this.lengths.map((sum) => sum / Math.max(1, this.records)) };
  }
}
