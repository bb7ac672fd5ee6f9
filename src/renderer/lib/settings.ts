import type { Comparison, RunSummary } from '../../common/api.js';
import { formatValue } from './format.js';
import { FIELDS } from './runForm.js';

/*
 * A config field as the user met it: the run builder's label and the value as the form spells it,
 * with data sets by name. Compare's "What differs" and its effect chart both read fields this way.
 */

// Fields the run builder has no input for (a file's mapping is chosen when it is imported).
const OTHER_LABELS: Record<string, string> = {
  'dataset.textColumn': 'Text column',
  'dataset.labelColumn': 'Label column',
  'dataset.delimiter': 'Delimiter',
  'dataset.header': 'Header line',
  'dataset.quoting': 'Quoted fields',
  'dataset.encoding': 'Encoding',
  'dataset.skipProblemRows': 'Skip rows with problems',
};

/** The form's label of a config field ("Weight decay" for `weightDecay`); the path itself for a field nobody labelled. */
export function settingLabel(field: string): string {
  return FIELDS.find((f) => f.path === field)?.label ?? OTHER_LABELS[field] ?? field;
}

const pct = (f: number) => String(Math.round(f * 1000) / 10);

/** A field's value for a table cell or an axis: `custom:2,64,4`, `70/10/20`, `yes`, a data set's name. */
export function settingText(field: string, value: unknown, datasetNames: ReadonlyMap<string, string> = new Map()): string {
  if (field === 'dataset.source' && typeof value === 'string') return datasetNames.get(value) ?? value;
  if (field === 'splitSeed' && value == null) return 'the seed';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value && typeof value === 'object') {
    if (field === 'model.custom') {
      const c = value as { nLayer: number; nEmbd: number; nHead: number; nPositions?: number };
      return `custom:${[c.nLayer, c.nEmbd, c.nHead, ...(c.nPositions && c.nPositions !== 1024 ? [c.nPositions] : [])].join(',')}`;
    }
    if (field === 'dataset.split') {
      const s = value as { train: number; val: number; test: number };
      return [s.train, s.val, s.test].map(pct).join('/');
    }
    if (field === 'earlyStopping') {
      const e = value as { patience: number; minDelta?: number };
      return `patience ${e.patience}${e.minDelta ? `, min Δ ${e.minDelta}` : ''}`;
    }
  }
  return formatValue(value);
}

/** The compared runs' data set ids → names (each run knows its own). */
export function datasetNamesOf(runs: readonly Pick<RunSummary, 'config' | 'datasetName'>[]): Map<string, string> {
  return new Map(runs.map((r) => [r.config.dataset.source, r.datasetName]));
}

export interface DifferenceRow {
  field: string;
  label: string;
  /** One text per run, in the comparison's run order. */
  values: string[];
}

/** "What differs" as rows of labels and texts. */
export function differenceRows(comparison: {
  runs: readonly Pick<RunSummary, 'config' | 'datasetName'>[];
  differences: Comparison['differences'];
}): DifferenceRow[] {
  const names = datasetNamesOf(comparison.runs);
  return comparison.differences.map((d) => ({
    field: d.field,
    label: settingLabel(d.field),
    values: d.values.map((v) => settingText(d.field, v, names)),
  }));
}
