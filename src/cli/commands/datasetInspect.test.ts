import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson as exitZeroJson, runWorkbench, type Run } from '../../../test/support/cli.js';
import { SMS_SPAM_COLLECTION, sharedPath } from '../../../test/support/shared.js';
import { tempDir } from '../../../test/support/tempDir.js';
import type { Problem } from '../../core/data/problems.js';

const folder = tempDir('dataset-inspect-');

function workbench(...args: string[]): Promise<Run> {
  return runWorkbench(['dataset', 'inspect', ...args]);
}

/** The JSON report of a run that succeeded without a word on stderr. */
function lastJson(run: Run): Record<string, unknown> {
  expect(run.stderr).toBe('');
  return exitZeroJson(run);
}

function writeCsv(name: string, text: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, text);
  return file;
}

describe('workbench dataset inspect on the real SMS Spam Collection', () => {
  it('--json: 5,574 rows, label column 0, text column 1, 4,827 ham / 747 spam, 403 duplicates', async () => {
    const report = lastJson(await workbench(sharedPath(SMS_SPAM_COLLECTION), '--json'));
    expect(report).toMatchObject({ rows: 5574, columns: ['0', '1'], textColumn: 1, labelColumn: 0, labels: { ham: 4827, spam: 747 } });
    const problems = report.problems as Problem[];
    expect(problems).toHaveLength(403);
    expect(problems[0]).toEqual({ line: 104, kind: 'duplicate-text', message: 'same text and label as line 8' });
  });

  it('without --json: a readable report', async () => {
    const run = await workbench(sharedPath(SMS_SPAM_COLLECTION));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('5,574 rows, 2 columns, tab-separated, no header, quotes are text');
    expect(run.stdout).toContain('labels: ham 4,827, spam 747');
    expect(run.stdout).toContain('problems: 0 errors, 403 warnings (duplicate-text 403)');
    expect(run.stdout).toContain('import: ok');
  });
});

// A header and a quoted text over two lines come first, so the problem row starts on line 5, the 4th record.
const HEAD = 'message,category\n"Hi,\nhow are you?",ham\nWin a prize,spam\n';

describe.concurrent('workbench dataset inspect: one file per problem kind, with its line', () => {
  const cases: { kind: Problem['kind']; rows: string; args?: string[]; lines: number[] }[] = [
    { kind: 'empty-text', rows: '"",ham\n', lines: [5] },
    { kind: 'missing-label', rows: 'hello,\n', lines: [5] },
    { kind: 'unknown-label', rows: 'hello,eggs\n', args: ['--labels', 'ham,spam'], lines: [5] },
    { kind: 'malformed', rows: 'ok,ham\nx,y,z\n', lines: [6] },
    { kind: 'duplicate-text', rows: 'ok,ham\nWin a prize,spam\n', lines: [6] },
    { kind: 'conflicting-labels', rows: 'Win a prize,ham\n', lines: [4, 5] },
    { kind: 'too-long', rows: 'one two three four five six seven eight nine,ham\n', args: ['--context-length', '8'], lines: [5] },
  ];
  for (const { kind, rows, args = [], lines } of cases) {
    it(kind, async () => {
      const report = lastJson(await workbench(writeCsv(`${kind}.csv`, HEAD + rows), '--json', ...args));
      expect(report).toMatchObject({ columns: ['message', 'category'], textColumn: 0, labelColumn: 1 });
      expect((report.problems as Problem[]).map((p) => [p.line, p.kind])).toEqual(lines.map((line) => [line, kind]));
    });
  }
});

describe('workbench dataset inspect: options and errors', () => {
  it('takes the columns by name or index and the delimiter from the flags', async () => {
    const file = writeCsv('semicolon.txt', 'id;kind;body\n1;a;hello there\n2;b;hi\n');
    const report = lastJson(await workbench(file, '--delimiter', ';', '--text-column', 'body', '--label-column', '1', '--json'));
    expect(report).toMatchObject({
      rows: 2,
      columns: ['id', 'kind', 'body'],
      textColumn: 2,
      labelColumn: 1,
      labels: { a: 1, b: 1 },
      problems: [],
    });
  });

  it('fails with one clear line on stderr', async () => {
    const cases: [string[], string][] = [
      [
        [path.join(folder, 'absent.csv')],
        `workbench: cannot read ${path.join(folder, 'absent.csv')}: no such file or directory (ENOENT)\n`,
      ],
      [
        [writeCsv('cols.csv', 'text,label\na,ham\n'), '--text-column', 'body'],
        'workbench: no column "body": the columns are 0 "text", 1 "label"\n',
      ],
      [[], 'workbench: dataset inspect: give exactly one FILE\n'],
      [['x.csv', '--quoting', 'maybe'], 'workbench: dataset inspect: --quoting takes yes or no, got "maybe"\n'],
      [
        ['x.csv', '--encoding', 'ascii'],
        'workbench: dataset inspect: --encoding takes one of utf-8, utf-8-bom, windows-1252, latin-1, got "ascii"\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const run = await workbench(...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(stderr);
    }
  });
});

describe('workbench dataset inspect: encodings and rows with problems', () => {
  // “Café” €5 in Windows-1252 (0x93 … 0xE9 0x94, 0x80), then a row without a text on line 4.
  const cp1252 = Buffer.from([
    ...Buffer.from('text,label\n'),
    ...[0x93, ...Buffer.from('Caf'), 0xe9, 0x94, 0x20, 0x80, ...Buffer.from('5,ham\n')],
    ...Buffer.from('WIN now,spam\n,ham\n'),
  ]);
  const file = path.join(folder, 'cp1252.csv');
  writeFileSync(file, cp1252);

  it('says which encoding it detected, and reads the one given', async () => {
    expect(lastJson(await workbench(file, '--json'))).toMatchObject({ encoding: 'windows-1252', encodingDetected: true });
    expect(lastJson(await workbench(file, '--json', '--encoding', 'latin-1'))).toMatchObject({
      encoding: 'latin-1',
      encodingDetected: false,
    });
    const run = await workbench(file);
    expect(run.stdout).toContain('encoding Windows-1252 (detected)');
    expect(run.stdout).toContain('import: refused until the 1 errors are fixed, or their rows skipped (--skip-problem-rows)');
  });

  it('with --skip-problem-rows, reports the lines the import leaves out', async () => {
    expect(lastJson(await workbench(file, '--json', '--skip-problem-rows'))).toMatchObject({ skippedLines: [4] });
    expect((await workbench(file, '--skip-problem-rows')).stdout).toContain('import: without the 1 rows with errors (lines 4)');
  });

  it('refuses a chosen UTF-8 that is not, naming the file and the line once', async () => {
    const run = await workbench(file, '--encoding', 'utf-8');
    expect(run.stderr).toBe(
      `workbench: ${file} is not UTF-8 text (first invalid byte on line 2); read it as Windows-1252 or Latin-1, or save it as UTF-8\n`,
    );
  });
});
