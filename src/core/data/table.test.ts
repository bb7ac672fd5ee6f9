import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SMS_SPAM_COLLECTION, sharedPath } from '../../../test/support/shared.js';
import { readTable } from '../../../test/support/tables.js';
import { decodeDataText } from './textDecoding.js';

describe('readTable on SMSSpamCollection', () => {
  it('reads plain TSV without quoting: 5,574 records, not the 5,572 a CSV reader merges them into', () => {
    const text = decodeDataText(readFileSync(sharedPath(SMS_SPAM_COLLECTION)));
    const started = performance.now();
    const table = readTable(text);
    console.info(`SMSSpamCollection: readTable ${(performance.now() - started).toFixed(0)} ms`);
    expect({ delimiter: table.delimiter, quoting: table.quoting, header: table.header, columns: table.columns }).toEqual({
      delimiter: '\t',
      quoting: false,
      header: false,
      columns: ['0', '1'],
    });
    expect(table.records).toHaveLength(5574);
    expect(table.malformed).toEqual([]);
    expect(table.records.at(-1)?.line).toBe(5574);
    const labels = table.records.map((r) => r.fields[0]);
    expect(labels.filter((l) => l === 'ham')).toHaveLength(4827);
    expect(labels.filter((l) => l === 'spam')).toHaveLength(747);
  });

  it('has misused quotes when forced to quote (why quoting is chosen, not assumed)', () => {
    const text = decodeDataText(readFileSync(sharedPath(SMS_SPAM_COLLECTION)));
    const started = performance.now();
    const table = readTable(text, { quoting: true });
    console.info(`SMSSpamCollection: readTable with forced quoting ${(performance.now() - started).toFixed(0)} ms`);
    expect(table.malformed.length).toBeGreaterThan(0);
    expect(table.records.length + table.malformed.length).toBe(5574);
  });
});

describe('readTable: choosing whether quotes quote', () => {
  it('quotes a CSV whose quoted fields hold commas and line breaks', () => {
    const table = readTable('label,text\nham,"a, b"\nspam,"c\nd, e"\nham,"f ""g"""\n');
    expect(table.quoting).toBe(true);
    expect(table.records.map((r) => [r.line, ...r.fields])).toEqual([
      [2, 'ham', 'a, b'],
      [3, 'spam', 'c\nd, e'],
      [5, 'ham', 'f "g"'],
    ]);
  });

  it('does not quote tab-separated text when quoting would merge lines (both readings are clean)', () => {
    const table = readTable('ham\t"Hi there\nspam\tWin now"\nham\tok\n');
    expect(table.quoting).toBe(false);
    expect(table.records.map((r) => r.fields[1])).toEqual(['"Hi there', 'Win now"', 'ok']);
  });

  it('quotes tab-separated text whose quoted fields stay on their line (as Excel and pandas write them)', () => {
    const table = readTable('ham\t"say ""hi"""\nspam\t"x"\nham\tok\n');
    expect(table.quoting).toBe(true);
    expect(table.records.map((r) => r.fields[1])).toEqual(['say "hi"', 'x', 'ok']);
  });

  it('quotes comma-separated text on a tie, line breaks in fields included', () => {
    // Both readings have one malformed record: line 4 without quoting, line 5 with it.
    const table = readTable('text,label\n"first,\nsecond",ham\n"a, b",ham\n"bad"x,spam\n');
    expect(table.quoting).toBe(true);
    expect(table.records.map((r) => [r.line, ...r.fields])).toEqual([
      [2, 'first,\nsecond', 'ham'],
      [4, 'a, b', 'ham'],
    ]);
    expect(table.malformed.map((p) => p.line)).toEqual([5]);
  });

  it('quotes when reading without quotes leaves records with the wrong field count', () => {
    // Without quoting, line 3 splits into 3 fields and line 4 into 1; with it, one record is unclosed.
    const table = readTable('label,text\nham,"a, b"\nspam,"c,\nd"\nham,"open\n');
    expect(table.quoting).toBe(true);
    expect(table.malformed).toEqual([{ line: 5, kind: 'malformed', message: 'a quoted field is never closed' }]);
  });

  it('follows explicit quoting, delimiter and header options', () => {
    const table = readTable('text;label\n"x";ham\n', { delimiter: ';', header: false, quoting: false });
    expect(table.columns).toEqual(['0', '1']);
    expect(table.records.map((r) => r.fields)).toEqual([
      ['text', 'label'],
      ['"x"', 'ham'],
    ]);
  });
});

describe('readTable: records and columns', () => {
  it('names columns after the header and reports records with the wrong field count', () => {
    const table = readTable('text,label\nhello,ham\nbye,spam,extra\nalone\nfine,ham\n');
    expect(table.header).toBe(true);
    expect(table.columns).toEqual(['text', 'label']);
    expect(table.records.map((r) => r.line)).toEqual([2, 5]);
    expect(table.malformed).toEqual([
      { line: 3, kind: 'malformed', message: '3 fields where the file has 2' },
      { line: 4, kind: 'malformed', message: '1 fields where the file has 2' },
    ]);
  });

  it('reads CRLF text decoded from bytes with a BOM', () => {
    const bytes = new TextEncoder().encode('\uFEFFlabel,text\r\nham,"a\r\nb"\r\nspam,c\r\n');
    const table = readTable(decodeDataText(bytes));
    expect(table.columns).toEqual(['label', 'text']);
    expect(table.records).toEqual([
      { fields: ['ham', 'a\nb'], line: 2 },
      { fields: ['spam', 'c'], line: 4 },
    ]);
  });

  it('explains an empty file and an undetectable delimiter', () => {
    expect(() => readTable('\n\n', { delimiter: ',' })).toThrow('the file has no records');
    expect(() => readTable('one column\nonly\n')).toThrow(/could not detect the delimiter/);
    expect(() => readTable('a"b', { delimiter: '"' })).toThrow('cannot use "\\"" as the delimiter');
  });
});
