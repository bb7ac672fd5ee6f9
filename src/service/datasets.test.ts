import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetFile } from '../common/api.js';
import { RunConfigSchema } from '../common/runConfig.js';
import { importDataset } from '../core/data/dataset.js';
import { splitRows } from '../core/data/split.js';
import { loadSplits } from '../core/train/run.js';
import { errorOf } from '../../test/support/errors.js';
import { tempDir } from '../../test/support/tempDir.js';
import { openDatabase } from './database.js';
import { DatasetCatalog } from './datasets.js';
import { InvalidRequest } from './errors.js';
import { MIGRATIONS } from './migrations.js';

/* The data sets of the service: preview and import as the UI calls them, and the stored copy a run reads. */

const dir = tempDir('wb-datasets-');
let n = 0;
function catalog(migrations = MIGRATIONS): DatasetCatalog {
  const dataDir = path.join(dir, `data-${++n}`);
  return new DatasetCatalog(openDatabase(path.join(dir, `db-${n}.sqlite`), migrations), dataDir, undefined);
}
const fileOf = (name: string, bytes: Uint8Array | string): DatasetFile => ({ name, base64: Buffer.from(bytes).toString('base64') });
const noRuns = () => 0;

// A Windows-1252 file as Excel saves it: “smart quotes” 0x93/0x94, € 0x80, é 0xE9, CRLF.
const CP1252 = new Uint8Array([
  ...Buffer.from('text,label\r\n'),
  ...[0x93, ...Buffer.from('Caf'), 0xe9, 0x94, ...Buffer.from(' lunch for '), 0x80, ...Buffer.from('5?,ham\r\n')],
  ...Buffer.from('WIN a cruise now,spam\r\nsee you,ham\r\n'),
]);

// Lines 4 (no text) and 7 (three fields) have errors; 9 too (no label), after the first rows.
const WITH_BAD_ROWS = [
  'text,label',
  'See you at lunch?,ham',
  'WIN a free cruise,spam',
  ',spam',
  'Running late,ham',
  'Claim your prize,spam',
  'ok,ham,extra',
  'Call me,ham',
  'no label here,',
  'Free entry,spam',
].join('\n');

describe('previewDataset', () => {
  it('detects Windows-1252 and shows the texts as written', async () => {
    const preview = await catalog().preview(fileOf('menu.csv', CP1252), {});
    expect([preview.encoding, preview.encodingDetected]).toEqual(['windows-1252', true]);
    expect(preview.sample[0]).toEqual({ line: 2, fields: ['“Café” lunch for €5?', 'ham'] });
    expect(preview.importable).toBe(true);
  });

  it('reads the encoding chosen, and says it was chosen', async () => {
    const preview = await catalog().preview(fileOf('menu.csv', CP1252), { encoding: 'latin-1' });
    expect([preview.encoding, preview.encodingDetected]).toEqual(['latin-1', false]);
    expect(preview.sample[0].fields[0]).toBe('\u0093Café\u0094 lunch for \u00805?');
  });

  it('lists the lines with errors, shows those not among the first rows, and whether the rest imports', async () => {
    const more = Array.from({ length: 12 }, (_, i) => `message ${i},${i % 2 ? 'ham' : 'spam'}`);
    const preview = await catalog().preview(fileOf('bad.csv', [WITH_BAD_ROWS, ...more, 'a,b,c,d', ',ham'].join('\n')), {});
    expect(preview.problemLines).toEqual([4, 7, 9, 23, 24]);
    expect([preview.importable, preview.importableWithoutProblemRows]).toEqual([false, true]);
    expect(preview.sample.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 8, 9, 10, 11, 12]);
    // A malformed record (7, 23) has no fields that fit the columns: shown as written; a record as its fields.
    expect(preview.problemRows).toEqual([
      { line: 7, fields: ['ok,ham,extra'], raw: true },
      { line: 23, fields: ['a,b,c,d'], raw: true },
      { line: 24, fields: ['', 'ham'], raw: false },
    ]);
  });

  it("counts the texts that leak across the book's splits as the split of the rows themselves does, conflicts left out", async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `message ${i % 240},${i % 240 < 120 ? 'ham' : 'spam'}`);
    lines.push('message 5,spam'); // conflicts with the hams of "message 5": those rows have errors and cannot leak
    const csv = ['text,label', ...lines].join('\n');
    const preview = await catalog().preview(fileOf('repeats.csv', csv), {});
    const rows = importDataset(csv, { excludeInvalid: true }).rows;
    expect(preview.leaks).toBe(splitRows(rows).leaks.length);
    expect(preview.leaks).toBeGreaterThan(5);
  });

  it('says when the rows left would not make a data set', async () => {
    const preview = await catalog().preview(fileOf('bad.csv', 'text,label\na,ham\n,spam\n'), {});
    expect([preview.importable, preview.importableWithoutProblemRows, preview.problemLines]).toEqual([false, false, [3]]);
  });
});

describe('importDataset', () => {
  it('refuses a file with errors, all or nothing, naming the file once', async () => {
    const err = await errorOf(catalog().import(fileOf('bad.csv', WITH_BAD_ROWS), {}, 'bad'));
    expect(err).not.toBeInstanceOf(InvalidRequest);
    expect(err.message).toMatch(/^bad\.csv: 3 problems block the import \(fix them, or skip those rows\): line 4: empty-text/);
  });

  it('imports without the rows with problems when asked, and records their lines with the data set', async () => {
    const c = catalog();
    const summary = await c.import(fileOf('bad.csv', WITH_BAD_ROWS), { skipProblemRows: true }, 'without bad rows');
    expect(summary).toMatchObject({ rows: 6, skippedLines: [4, 7, 9], encoding: 'utf-8', labels: { ham: 3, spam: 3 } });
    expect(c.list(noRuns).find((d) => d.id === summary.id)?.skippedLines).toEqual([4, 7, 9]);

    // A run reads the stored copy as the import did: the same rows, the bad ones left out.
    const config = c.resolve(RunConfigSchema.parse({ dataset: { source: summary.id, balance: false } }));
    expect(config.dataset).toMatchObject({ skipProblemRows: true, encoding: 'utf-8' });
    const { dataset } = await loadSplits(RunConfigSchema.parse(config));
    expect(dataset.contentHash).toBe(summary.contentHash);
    expect(dataset.rows.map((r) => r.line)).toEqual([2, 3, 5, 6, 8, 10]);
  });

  it('keeps a Windows-1252 file as it is and has runs read it as Windows-1252', async () => {
    const c = catalog();
    const summary = await c.import(fileOf('menu.csv', CP1252), {}, 'menu');
    expect(summary).toMatchObject({ encoding: 'windows-1252', skippedLines: [] });
    const config = RunConfigSchema.parse(c.resolve(RunConfigSchema.parse({ dataset: { source: summary.id, balance: false } })));
    expect(config.dataset.encoding).toBe('windows-1252');
    expect(config.dataset.skipProblemRows).toBeUndefined();
    const { dataset } = await loadSplits(config);
    expect(dataset.rows[0].text).toBe('“Café” lunch for €5?');
    expect(dataset.contentHash).toBe(summary.contentHash);
  });

  it('lists data sets imported before encodings and skipped rows were recorded as UTF-8 with none skipped', async () => {
    const c = catalog(MIGRATIONS.filter((m) => m.version < 5));
    const db = (c as unknown as { db: ReturnType<typeof openDatabase> }).db;
    db.prepare(
      `INSERT INTO datasets (id, name, original_path, file, file_sha256, content_hash, columns, mapping, labels, rows, problems, created_at)
       VALUES ('ds-old', 'old', NULL, 'datasets/x.csv', 'f', 'c', '["text","label"]',
               '{"textColumn":0,"labelColumn":1,"delimiter":",","header":true,"quoting":true}', '{"ham":1,"spam":1}', 2, '[]', '2026-01-01')`,
    ).run();
    const file = db.name;
    db.close();
    const upgraded = new DatasetCatalog(openDatabase(file), dir, undefined);
    expect(upgraded.summary('ds-old', noRuns)).toMatchObject({ skippedLines: [], encoding: 'utf-8' });
    expect(upgraded.resolve(RunConfigSchema.parse({ dataset: { source: 'ds-old' } })).dataset).not.toHaveProperty('encoding');
  });
});
