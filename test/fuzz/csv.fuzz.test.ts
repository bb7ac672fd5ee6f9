import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importDataset, inspectDataset, type ImportOptions } from '../../src/core/data/dataset.js';
import { readRecords } from '../support/tables.js';
import { okOrOneLineError, runs } from '../support/fuzz.js';

/* The CSV/TSV reader on random and mutated files. */

const pieces = [
  'a',
  'b',
  'ham',
  'spam',
  ' ',
  ',',
  ';',
  '\t',
  '|',
  '"',
  '""',
  '\n',
  '\r\n',
  '\r',
  '\uFEFF',
  'é',
  '£',
  '😀',
  '0',
  '1',
  'text',
  'label',
];
const csvText = fc.array(fc.constantFrom(...pieces), { maxLength: 80 }).map((p) => p.join(''));

const VALID = 'text,label\n"Hi, how are you",ham\nWin a prize,spam\n"two\nlines",ham\nok,spam\n';
/** A valid file with a few characters inserted, deleted or replaced. */
const mutatedCsv = fc
  .array(fc.tuple(fc.nat(VALID.length), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...pieces)), {
    minLength: 1,
    maxLength: 6,
  })
  .map((edits) =>
    edits.reduce((text, [at, op, piece]) => {
      const i = at % (text.length + 1);
      if (op === 'insert') return text.slice(0, i) + piece + text.slice(i);
      if (op === 'delete') return text.slice(0, i) + text.slice(i + 1);
      return text.slice(0, i) + piece + text.slice(i + 1);
    }, VALID),
  );

const column = fc.oneof(fc.constant(undefined), fc.nat(4), fc.constantFrom('text', 'label', '0', '1', '9', 'nope', ''));
const options: fc.Arbitrary<ImportOptions> = fc.record(
  {
    delimiter: fc.constantFrom(',', '\t', ';', '|', '"', '\n', '', 'ab'),
    header: fc.boolean(),
    quoting: fc.boolean(),
    textColumn: column,
    labelColumn: column,
    allowedLabels: fc.array(fc.constantFrom('ham', 'spam', ''), { maxLength: 2 }),
    contextLength: fc.integer({ min: 1, max: 2000 }),
    excludeInvalid: fc.boolean(),
    encoding: fc.constantFrom('utf-8' as const, 'utf-8-bom' as const, 'windows-1252' as const, 'latin-1' as const),
  },
  { requiredKeys: [] },
);

/** Both readers of a data set, as text and as bytes: each succeeds or fails with one line. */
async function readBothWays(source: string | Uint8Array, opts: ImportOptions): Promise<void> {
  const report = await okOrOneLineError(() => inspectDataset(source, opts));
  if (report) expect(report.problems.every((p) => !/[\r\n]/.test(p.message))).toBe(true);
  await okOrOneLineError(() => importDataset(source, opts));
}

describe('fuzzing the CSV reader', () => {
  it('random text, with and without options', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, fc.option(options, { nil: {} }), (text, opts) => readBothWays(text, opts)),
      { numRuns: runs(3000) },
    );
  });

  it('mutated valid files, as text and as bytes', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedCsv, fc.option(options, { nil: {} }), async (text, opts) => {
        await readBothWays(text, opts);
        await readBothWays(new TextEncoder().encode(text), opts);
      }),
      { numRuns: runs(1000) },
    );
  });

  it('random bytes (most not UTF-8), detected or in a chosen encoding', async () => {
    const encoding = fc.option(fc.constantFrom('utf-8' as const, 'utf-8-bom' as const, 'windows-1252' as const, 'latin-1' as const), {
      nil: undefined,
    });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), encoding, (bytes, chosen) => readBothWays(bytes, { encoding: chosen })),
      { numRuns: runs(1000) },
    );
  });

  it('reads the same records and problems whatever pieces the text comes in', () => {
    const lfText = fc.oneof(csvText, mutatedCsv).map((t) => t.replace(/\r/g, ''));
    fc.assert(
      fc.property(lfText, fc.boolean(), fc.integer({ min: 1, max: 12 }), (text, quoting, size) => {
        expect(readRecords(text, ',', quoting, Infinity, size)).toEqual(readRecords(text, ',', quoting));
      }),
      { numRuns: runs(2000) },
    );
  });

  it('reads unquoted text exactly as csv-parse with quote: false does', () => {
    const lfText = csvText.map((t) => t.replace(/\r/g, ''));
    fc.assert(
      fc.property(lfText, fc.constantFrom(',', '\t', ';', '|', 'ab'), (text, delimiter) => {
        const expected = parse(Buffer.from(text), {
          delimiter,
          quote: false,
          record_delimiter: '\n',
          relax_column_count: true,
          skip_empty_lines: true,
        }) as string[][];
        const { records, malformed } = readRecords(text, delimiter, false);
        expect(malformed).toEqual([]);
        expect(records.map((r) => r.fields)).toEqual(expected);
        const lines = text.split('\n');
        expect(records.every((r) => lines[r.line - 1] === r.fields.join(delimiter))).toBe(true);
      }),
      { numRuns: runs(2000) },
    );
  });
});
