import { describe, expect, it } from 'vitest';
import { readRecords } from '../../../test/support/tables.js';

describe('readRecords with quoting', () => {
  it('reads quoted commas, escaped quotes and line breaks, keeping the line where each record starts', () => {
    const text = 'label,text\nham,"a, b"\nspam,"say ""hi"""\nham,"two\nlines"\nspam,after\n';
    expect(readRecords(text, ',', true)).toEqual({
      quoting: true,
      malformed: [],
      records: [
        { fields: ['label', 'text'], line: 1 },
        { fields: ['ham', 'a, b'], line: 2 },
        { fields: ['spam', 'say "hi"'], line: 3 },
        { fields: ['ham', 'two\nlines'], line: 4 },
        { fields: ['spam', 'after'], line: 6 },
      ],
    });
  });

  it('skips blank lines but counts them', () => {
    const { records } = readRecords('a,b\n\n\n1,"x\n\ny"\n\n2,z', ',', true);
    expect(records.map((r) => r.line)).toEqual([1, 4, 8]);
  });

  it('reports misused quotes at the line where the record starts, naming the line of the quote', () => {
    const reading = readRecords('label,text\nham,"two\nlines" and "x"\nspam,ok\n', ',', true);
    // Reading resumes on line 3, whose own quotes are misused as well.
    expect(reading.malformed).toEqual([
      { line: 2, kind: 'malformed', message: 'text follows the closing quote of a quoted field, on line 3' },
      { line: 3, kind: 'malformed', message: 'a quote inside an unquoted field (quote the whole field and double its quotes)' },
    ]);
    expect(reading.records.map((r) => r.line)).toEqual([1, 4]);
    const opening = readRecords('ham,he said "no"\nspam,ok\n', ',', true);
    expect(opening.malformed).toEqual([
      { line: 1, kind: 'malformed', message: 'a quote inside an unquoted field (quote the whole field and double its quotes)' },
    ]);
    expect(opening.records).toEqual([{ fields: ['spam', 'ok'], line: 2 }]);
  });

  it('reports a stray quote instead of merging the lines up to the next quote, and reads those lines', () => {
    const reading = readRecords('label,text\nham,fine\nspam,"stray\nham,next\nham,"ok"\n', ',', true);
    expect(reading.malformed).toEqual([
      { line: 3, kind: 'malformed', message: 'text follows the closing quote of a quoted field, on line 5' },
    ]);
    expect(reading.records.map((r) => [r.line, ...r.fields])).toEqual([
      [1, 'label', 'text'],
      [2, 'ham', 'fine'],
      [4, 'ham', 'next'],
      [5, 'ham', 'ok'],
    ]);
  });

  it('reports a quote that is never closed on its first line and reads on from the next line', () => {
    const reading = readRecords('label,text\n\nspam,"never closed\nham,next\n', ',', true);
    expect(reading.malformed).toEqual([{ line: 3, kind: 'malformed', message: 'a quoted field is never closed' }]);
    expect(reading.records.map((r) => r.line)).toEqual([1, 4]);
  });

  it('reports a quote left open for more than 8 MiB at its line without holding the rest, and reads on from the next line', () => {
    const text = `a,b\nx,"${'y'.repeat(9 * 2 ** 20)}\nz,w\n`;
    const reading = readRecords(text, ',', true, Infinity, 2 ** 20);
    expect(reading.malformed).toEqual([{ line: 2, kind: 'malformed', message: 'a record runs over 8 MiB (is a closing quote missing?)' }]);
    expect(reading.records).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['z', 'w'], line: 3 },
    ]);
  });

  it('stops once more records than allowed are malformed', () => {
    const reading = readRecords('a,x"\nb,y"\nc,z"\nd,ok\n', ',', true, 1);
    expect(reading.malformed.map((p) => p.line)).toEqual([1, 2]);
  });
});

describe('readRecords without quoting', () => {
  it('keeps quote characters as text, one record per line', () => {
    const reading = readRecords('ham\t"Hi\nspam\tbye"\nham\t""\n', '\t', false);
    expect(reading.records).toEqual([
      { fields: ['ham', '"Hi'], line: 1 },
      { fields: ['spam', 'bye"'], line: 2 },
      { fields: ['ham', '""'], line: 3 },
    ]);
  });
});
