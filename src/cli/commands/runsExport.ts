import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { RunSummary } from '../../common/api.js';
import { WorkbenchError } from '../../core/errors.js';
import { configFields, trainableLabel } from '../../service/configFields.js';
import type { Command } from '../command.js';
import { DATA_FLAG, DATA_FLAG_HELP, withService } from '../serviceSession.js';

export const runsExportCommand: Command = {
  name: 'runs export',
  summary: 'one row per run (config, accuracies, gaps, duration) as CSV or JSON',
  usage: `workbench runs export [--format csv|json] [--out FILE] [--data DIR]

One row per run: id, name, status, data set, every config field that is not the same in all runs,
accuracy per split, the overfitting gaps (train − val, train − test) and the duration in seconds.
CSV by default; --format json prints {"runs": [row, …]}. Written to stdout unless --out FILE.
${DATA_FLAG_HELP}`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { ...DATA_FLAG, format: { type: 'string', default: 'csv' }, out: { type: 'string' } },
    });
    if (values.format !== 'csv' && values.format !== 'json')
      throw new WorkbenchError(`runs export: --format is csv or json, got "${values.format}"`);
    const runs = await withService(values.data, (service) => service.listRuns());
    const rows = exportRows(runs);
    const text = values.format === 'json' ? `${JSON.stringify({ runs: rows })}\n` : toCsv(rows);
    if (values.out) await writeFile(values.out, text);
    else process.stdout.write(text);
    return 0;
  },
};

type Cell = string | number | boolean | null;

export function exportRows(runs: RunSummary[]): Record<string, Cell>[] {
  const fields = runs.map((r) => configFields(r.config));
  // Only the fields that vary: a column that is the same in every row says nothing.
  const names = [...new Set(fields.flatMap((f) => [...f.keys()]))].filter(
    (n) => n !== 'name' && n !== 'dataset.source' && new Set(fields.map((f) => JSON.stringify(f.get(n) ?? null))).size > 1,
  );
  return runs.map((r, i) => {
    const config = Object.fromEntries(names.map((n) => [n, cell(n, fields[i].get(n))]));
    const a = r.accuracy;
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      dataset: r.datasetName,
      ...config,
      train_accuracy: a?.train ?? null,
      val_accuracy: a?.val ?? null,
      test_accuracy: a?.test ?? null,
      gap_train_val: r.gap?.trainVal ?? null,
      gap_train_test: r.gap?.trainTest ?? null,
      seconds: r.seconds,
    };
  });
}

function cell(field: string, value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (field === 'trainable') return trainableLabel(value as Parameters<typeof trainableLabel>[0]);
  return typeof value === 'object' ? JSON.stringify(value) : (value as Cell);
}

function toCsv(rows: Record<string, Cell>[]): string {
  if (rows.length === 0) return 'id,name,status\n';
  const columns = Object.keys(rows[0]);
  const quote = (v: Cell) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\n') + '\n';
}
