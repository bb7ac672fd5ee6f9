import { parseArgs } from 'node:util';
import { TEXT_ENCODING_NAMES, TextEncodingSchema } from '../../common/textEncoding.js';
import { errorLines, inspectDatasetFile, type DatasetOptions, type DatasetReport } from '../../core/data/dataset.js';
import { isError, type Problem } from '../../core/data/problems.js';
import { WorkbenchError } from '../../core/errors.js';
import { printJson, type Command } from '../command.js';

const USAGE = `workbench dataset inspect FILE [options]

Reads a CSV/TSV file as the import would and reports its columns, labels and problems.
  --text-column C      text column: header name or 0-based index (default: detected)
  --label-column C     label column: header name or 0-based index (default: detected)
  --delimiter D        a character, or "tab" (default: detected)
  --header yes|no      whether the first record names the columns (default: detected)
  --quoting yes|no     whether double quotes quote fields, as in CSV (default: detected)
  --encoding E         utf-8, utf-8-bom, windows-1252 or latin-1 (default: detected: UTF-8 when
                       valid, else Windows-1252, else Latin-1)
  --skip-problem-rows  report the import that leaves out the rows with errors (their lines)
  --labels A,B         the allowed labels; others are reported as unknown-label
  --context-length N   texts with more tokens are reported as too-long (default 1024)
  --json               one JSON object as the last line of stdout:
                       {"rows", "columns", "textColumn", "labelColumn", "labels": {name: count},
                        "problems": [{"line", "kind", "message"}], "header", "delimiter", "quoting",
                        "encoding", "encodingDetected", "skippedLines" (with --skip-problem-rows)}`;

// The readable report lists this many problems; --json lists them all.
const SHOWN_PROBLEMS = 20;

export const datasetInspectCommand: Command = {
  name: 'dataset inspect',
  summary: 'report the columns, labels and problems of a CSV/TSV file',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'text-column': { type: 'string' },
        'label-column': { type: 'string' },
        delimiter: { type: 'string' },
        header: { type: 'string' },
        quoting: { type: 'string' },
        encoding: { type: 'string' },
        'skip-problem-rows': { type: 'boolean' },
        labels: { type: 'string' },
        'context-length': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new WorkbenchError('dataset inspect: give exactly one FILE');
    const [file] = positionals;
    const report = await inspectDatasetFile(file, {
      textColumn: values['text-column'],
      labelColumn: values['label-column'],
      delimiter: values.delimiter === 'tab' ? '\t' : values.delimiter,
      header: yesNo('--header', values.header),
      quoting: yesNo('--quoting', values.quoting),
      encoding: encodingFlag(values.encoding),
      allowedLabels: values.labels?.split(',').map((label) => label.trim()),
      contextLength: positiveInteger('--context-length', values['context-length']),
    } satisfies DatasetOptions);
    const skip = values['skip-problem-rows'] === true;
    if (values.json) printJson({ ...jsonReport(report), ...(skip ? { skippedLines: errorLines(report.problems) } : {}) });
    else process.stdout.write(`${readableReport(file, report, skip)}\n`);
    return 0;
  },
};

function yesNo(flag: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'yes' && value !== 'no') throw new WorkbenchError(`dataset inspect: ${flag} takes yes or no, got "${value}"`);
  return value === 'yes';
}

function encodingFlag(value: string | undefined) {
  if (value === undefined) return undefined;
  const parsed = TextEncodingSchema.safeParse(value);
  if (!parsed.success)
    throw new WorkbenchError(`dataset inspect: --encoding takes one of ${TextEncodingSchema.options.join(', ')}, got "${value}"`);
  return parsed.data;
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new WorkbenchError(`dataset inspect: ${flag} takes a positive whole number, got "${value}"`);
  return n;
}

/** The documented fields first, in the documented order. */
function jsonReport(r: DatasetReport): object {
  return {
    rows: r.rows,
    columns: r.columns,
    textColumn: r.textColumn,
    labelColumn: r.labelColumn,
    labels: r.labels,
    problems: r.problems,
    header: r.header,
    delimiter: r.delimiter,
    quoting: r.quoting,
    encoding: r.encoding,
    encodingDetected: r.encodingDetected,
  };
}

function readableReport(file: string, r: DatasetReport, skip: boolean): string {
  const errors = r.problems.filter(isError).length;
  const skipped = errorLines(r.problems);
  const columnName = (i: number) => (r.header ? `${i} "${r.columns[i]}"` : String(i));
  const lines = [
    file,
    `  ${count(r.rows)} rows, ${r.columns.length} columns, ${delimiterName(r.delimiter)}, ${r.header ? 'with a header' : 'no header'}, ${r.quoting ? 'quoted fields' : 'quotes are text'}`,
    `  encoding ${TEXT_ENCODING_NAMES[r.encoding]} (${r.encodingDetected ? 'detected' : 'chosen'})`,
    `  text column ${columnName(r.textColumn)}, label column ${columnName(r.labelColumn)}`,
    `  labels: ${
      Object.entries(r.labels)
        .map(([label, n]) => `${label} ${count(n)}`)
        .join(', ') || 'none'
    }`,
    `  problems: ${count(errors)} errors, ${count(r.problems.length - errors)} warnings${kindCounts(r.problems)}`,
    ...r.problems.slice(0, SHOWN_PROBLEMS).map((p) => `    line ${p.line}: ${p.kind}: ${p.message}`),
  ];
  if (r.problems.length > SHOWN_PROBLEMS) lines.push(`    … ${count(r.problems.length - SHOWN_PROBLEMS)} more (--json lists them all)`);
  if (errors === 0) lines.push('  import: ok');
  else if (skip) {
    const shown = skipped.slice(0, SHOWN_PROBLEMS).join(', ') + (skipped.length > SHOWN_PROBLEMS ? ', …' : '');
    lines.push(`  import: without the ${count(skipped.length)} rows with errors (lines ${shown})`);
  } else lines.push(`  import: refused until the ${count(errors)} errors are fixed, or their rows skipped (--skip-problem-rows)`);
  return lines.join('\n');
}

function kindCounts(problems: readonly Problem[]): string {
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  return counts.size === 0 ? '' : ` (${[...counts].map(([kind, n]) => `${kind} ${count(n)}`).join(', ')})`;
}

function delimiterName(delimiter: string): string {
  const names: Record<string, string> = {
    '\t': 'tab-separated',
    ',': 'comma-separated',
    ';': 'semicolon-separated',
    '|': 'pipe-separated',
  };
  return names[delimiter] ?? `separated by ${JSON.stringify(delimiter)}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
