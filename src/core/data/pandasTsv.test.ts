import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SMS_SPAM_COLLECTION, sharedPath } from '../../../test/support/shared.js';
import { readPandasTsv } from './pandasTsv.js';

describe("reading TSV as the book's pandas.read_csv(sep='\\t', header=None) does", () => {
  it('applies quoting only at the start of a field, doubled quotes, and text after a closing quote', () => {
    const rows = readPandasTsv('ham\t"Hi" he said\nspam\tsay "x"\nham\t"a ""b"" c"\n\nham\tlast');
    expect(rows.map((r) => r.text)).toEqual(['Hi he said', 'say "x"', 'a "b" c', 'last']);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 5]);
  });

  it('lets an unclosed quote run over line breaks, merging lines', () => {
    const rows = readPandasTsv('ham\t"open quote\nspam\tnext" tail\nham\tafter\n');
    expect(rows).toEqual([
      { label: 'ham', text: 'open quote\nspam\tnext tail', line: 1 },
      { label: 'ham', text: 'after', line: 3 },
    ]);
  });

  it('reads the SMS Spam Collection as the book does: 5,572 rows, 4,825 ham and 747 spam', () => {
    const rows = readPandasTsv(readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8'));
    expect(rows).toHaveLength(5572);
    expect(rows.filter((r) => r.label === 'ham')).toHaveLength(4825);
    expect(rows.filter((r) => r.label === 'spam')).toHaveLength(747);
  });

  it('refuses a row that is not label + text, and a quote left open at the end', () => {
    expect(() => readPandasTsv('ham\ta\tb\n', 'x.tsv')).toThrow('x.tsv, line 1: expected 2 fields (label, text), saw 3');
    expect(() => readPandasTsv('ham\t"never closed\n', 'x.tsv')).toThrow(/EOF inside a quoted text starting on line 1/);
  });
});
