import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMS_SPAM_COLLECTION, sharedPath } from '../../../test/support/shared.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { WorkbenchError } from '../errors.js';
import { DatasetImportError, importDataset, importDatasetFile, inspectDataset, inspectDatasetFile, sortLabels } from './dataset.js';
import type { Problem } from './problems.js';

const folder = tempDir('dataset-test-');
let written = 0;

function writeCsv(text: string): string {
  const file = path.join(folder, `${++written}.csv`);
  writeFileSync(file, text);
  return file;
}

// Every file starts with a header and a text spanning two lines, so record 2 starts on line 4:
// line numbers below are physical lines, not record indexes.
const HEAD = 'text,label\n"first line,\nsecond line",ham\n"Hi, how are you",ham\nWin a prize,spam\n';

describe('validation report: each problem kind with its line', () => {
  const cases: { kind: Problem['kind']; rows: string; problems: Problem[] }[] = [
    { kind: 'empty-text', rows: '"  ",ham\n', problems: [{ line: 6, kind: 'empty-text', message: 'the text is empty' }] },
    { kind: 'missing-label', rows: 'hello there,\n', problems: [{ line: 6, kind: 'missing-label', message: 'the label is empty' }] },
    {
      kind: 'unknown-label',
      rows: 'odd one,eggs\n',
      problems: [{ line: 6, kind: 'unknown-label', message: 'label "eggs" is not one of "ham", "spam"' }],
    },
    {
      kind: 'malformed',
      rows: 'too,many,fields\n"a ""good"" one",ham\n"not "closed right,ham\n',
      problems: [
        { line: 6, kind: 'malformed', message: '3 fields where the file has 2' },
        { line: 8, kind: 'malformed', message: 'text follows the closing quote of a quoted field' },
      ],
    },
    {
      kind: 'duplicate-text',
      rows: 'Win a prize,spam\n',
      problems: [{ line: 6, kind: 'duplicate-text', message: 'same text and label as line 5' }],
    },
    {
      kind: 'conflicting-labels',
      rows: '"Hi, how are you",spam\n',
      problems: [
        { line: 4, kind: 'conflicting-labels', message: 'label "ham", but the same text is on line 6 ("spam")' },
        { line: 6, kind: 'conflicting-labels', message: 'label "spam", but the same text is on line 4 ("ham")' },
      ],
    },
    {
      kind: 'too-long',
      rows: 'one two three four five six seven eight nine ten,ham\n',
      problems: [{ line: 6, kind: 'too-long', message: '10 tokens, more than the context length 8; training truncates it' }],
    },
  ];

  for (const { kind, rows, problems } of cases) {
    it(kind, async () => {
      const report = await inspectDatasetFile(writeCsv(HEAD + rows), { allowedLabels: ['ham', 'spam'], contextLength: 8 });
      expect(report.problems).toEqual(problems);
    });
  }

  it('a quote never closed, at the end of the file', async () => {
    const report = await inspectDatasetFile(writeCsv(`${HEAD}ok,ham\n"open,spam\nlast,ham\n`));
    expect(report.problems).toEqual([{ line: 7, kind: 'malformed', message: 'a quoted field is never closed' }]);
    expect(report.rows).toBe(6);
  });

  it('too-long at the default context length (1024 tokens)', async () => {
    const report = await inspectDatasetFile(writeCsv(`${HEAD}"${'word '.repeat(1100).trim()}",spam\n`));
    expect(report.problems).toEqual([
      { line: 6, kind: 'too-long', message: '1100 tokens, more than the context length 1024; training truncates it' },
    ]);
  });

  it('reports the file, its columns and its label counts', async () => {
    const report = await inspectDatasetFile(writeCsv(`${HEAD},ham\nlonely,\n`));
    expect(report).toEqual({
      rows: 5,
      columns: ['text', 'label'],
      header: true,
      delimiter: ',',
      quoting: true,
      encoding: 'utf-8',
      encodingDetected: true,
      textColumn: 0,
      labelColumn: 1,
      labels: { ham: 3, spam: 1 },
      problems: [
        { line: 6, kind: 'empty-text', message: 'the text is empty' },
        { line: 7, kind: 'missing-label', message: 'the label is empty' },
      ],
    });
  });
});

describe('importDataset: all or nothing', () => {
  const BAD = `${HEAD},ham\ntoo,many,fields\nWin a prize,spam\n`;

  it('refuses a file with errors and lists them', async () => {
    const attempt = importDatasetFile(writeCsv(BAD));
    await expect(attempt).rejects.toThrow(DatasetImportError);
    await expect(attempt).rejects.toThrow(
      '2 problems block the import (fix them, or skip those rows): line 6: empty-text (the text is empty); line 7: malformed (3 fields where the file has 2)',
    );
    await attempt.catch((err: DatasetImportError) => expect(err.problems.map((p) => p.line)).toEqual([6, 7]));
  });

  it('says "1 problem blocks" for a single error', () => {
    expect(() => importDataset('text,label\n,ham\nb,spam\nc,ham\n')).toThrow(
      '1 problem blocks the import (fix them, or skip those rows): line 2: empty-text (the text is empty)',
    );
  });

  it('with excludeInvalid, leaves out the rows with errors and lists them; warnings keep their rows', async () => {
    const dataset = await importDatasetFile(writeCsv(BAD), { excludeInvalid: true });
    expect(dataset.rows).toEqual([
      { text: 'first line,\nsecond line', label: 'ham', line: 2 },
      { text: 'Hi, how are you', label: 'ham', line: 4 },
      { text: 'Win a prize', label: 'spam', line: 5 },
      { text: 'Win a prize', label: 'spam', line: 8 },
    ]);
    expect(dataset.excluded.map((p) => [p.line, p.kind])).toEqual([
      [6, 'empty-text'],
      [7, 'malformed'],
    ]);
    expect(dataset.warnings.map((p) => [p.line, p.kind])).toEqual([[8, 'duplicate-text']]);
    expect(dataset.labels).toEqual(['ham', 'spam']);
    expect(dataset.excludedLines).toEqual([6, 7]);
  });

  it('records each left-out line once, even with two errors on it', () => {
    const dataset = importDataset('text,label\n,\nok,ham\nwin,spam\n,spam\n', { excludeInvalid: true });
    expect(dataset.excluded.map((p) => [p.line, p.kind])).toEqual([
      [2, 'empty-text'],
      [2, 'missing-label'],
      [5, 'empty-text'],
    ]);
    expect(dataset.excludedLines).toEqual([2, 5]);
    expect(dataset.rows.map((r) => r.line)).toEqual([3, 4]);
  });

  it('says so when the rows left are too few labels', () => {
    expect(() => importDataset('text,label\nok,ham\n,spam\n', { excludeInvalid: true })).toThrow(
      'a classifier needs at least 2 labels; the data set has only "ham" without the rows with problems',
    );
  });

  it('imports a file with only warnings as it is', () => {
    const dataset = importDataset(`${HEAD}Win a prize,spam\n`);
    expect(dataset.rows).toHaveLength(4);
    expect(dataset.excluded).toEqual([]);
    expect(dataset.warnings).toHaveLength(1);
  });

  it('needs at least two labels', () => {
    expect(() => importDataset('text,label\na,ham\nb,ham\n')).toThrow('a classifier needs at least 2 labels; the data set has only "ham"');
  });

  it('keeps any number of labels, sorted', () => {
    const dataset = importDataset('text,label\na,neutral\nb,positive\nc,negative\nd,neutral\n');
    expect(dataset.labels).toEqual(['negative', 'neutral', 'positive']);
  });
});

describe('content hash', () => {
  it('is the same for the same file imported twice, and for the same rows in another format', async () => {
    const csv = writeCsv('label,text\nham,"hello, you"\nspam,win\n');
    const tsv = writeCsv('\uFEFFlabel\ttext\r\nham\thello, you\r\nspam\twin\r\n');
    const hashes = await Promise.all([csv, csv, tsv].map(async (f) => (await importDatasetFile(f)).contentHash));
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(hashes).size).toBe(1);
  });

  it('changes with a text or a label', () => {
    const base = importDataset('label,text\nham,hello\nspam,win\n').contentHash;
    expect(importDataset('label,text\nham,hello!\nspam,win\n').contentHash).not.toBe(base);
    expect(importDataset('label,text\nspam,hello\nham,win\n').contentHash).not.toBe(base);
  });
});

describe('sortLabels', () => {
  it('sorts numbers as numbers and names by code point', () => {
    expect(sortLabels(['10', '2', '1'])).toEqual(['1', '2', '10']);
    expect(sortLabels(['spam', 'ham', 'Ham'])).toEqual(['Ham', 'ham', 'spam']);
  });
});

describe('the real SMS Spam Collection', () => {
  it('imports 5,574 rows, 4,827 ham and 747 spam, with its 403 repeated texts as warnings', async () => {
    const file = sharedPath(SMS_SPAM_COLLECTION);
    const started = performance.now();
    const dataset = await importDatasetFile(file);
    console.info(`SMSSpamCollection: importDatasetFile ${(performance.now() - started).toFixed(0)} ms`);
    expect(dataset.rows).toHaveLength(5574);
    expect(dataset.labels).toEqual(['ham', 'spam']);
    expect(dataset.rows.filter((r) => r.label === 'spam')).toHaveLength(747);
    expect(dataset.rows[0]).toEqual({ label: 'ham', line: 1, text: expect.stringMatching(/^Go until jurong point/) });
    expect(dataset.excluded).toEqual([]);
    expect(dataset.warnings).toHaveLength(403);
    expect(new Set(dataset.warnings.map((p) => p.kind))).toEqual(new Set(['duplicate-text']));
    expect(dataset.contentHash).toBe('a42d767026a4ef7101f332442dedaad4a14cf874374b4e7af0ae0b6a35fdef44');
  });

  it('names a file that does not exist', async () => {
    await expect(importDatasetFile(path.join(folder, 'nope.csv'))).rejects.toThrow(WorkbenchError);
    await expect(importDatasetFile(path.join(folder, 'nope.csv'))).rejects.toThrow(/cannot read .*nope\.csv: no such file/);
  });
});

describe('encodings', () => {
  // “Café” menu – €5 … in Windows-1252: smart quotes 0x93/0x94, é 0xE9, en dash 0x96, € 0x80, ellipsis 0x85.
  const cp1252 = new Uint8Array([
    ...Buffer.from('text,label\n'),
    0x93,
    ...Buffer.from('Caf'),
    0xe9,
    0x94,
    ...Buffer.from(' menu '),
    0x96,
    ...Buffer.from(' '),
    0x80,
    ...Buffer.from('5 '),
    0x85,
    ...Buffer.from(',ham\nWIN now,spam\n'),
  ]);

  it('reads a Windows-1252 file as Windows-1252, saying it was detected', () => {
    const report = inspectDataset(cp1252);
    expect([report.encoding, report.encodingDetected]).toEqual(['windows-1252', true]);
    expect(importDataset(cp1252).rows[0].text).toBe('“Café” menu – €5 …');
  });

  it('takes a chosen encoding over the detected one, and refuses UTF-8 that is not', () => {
    const report = inspectDataset(cp1252, { encoding: 'latin-1' });
    expect([report.encoding, report.encodingDetected]).toEqual(['latin-1', false]);
    expect(importDataset(cp1252, { encoding: 'latin-1' }).rows[0].text).toBe('\u0093Café\u0094 menu \u0096 \u00805 \u0085');
    expect(() => inspectDataset(cp1252, { encoding: 'utf-8', name: 'menu.csv' })).toThrow(
      'menu.csv is not UTF-8 text (first invalid byte on line 2); read it as Windows-1252 or Latin-1, or save it as UTF-8',
    );
  });

  it('reads a file from disk in its detected encoding', async () => {
    const file = path.join(folder, `${++written}.csv`);
    writeFileSync(file, cp1252);
    expect((await importDatasetFile(file)).rows[0].text).toBe('“Café” menu – €5 …');
  });
});
