import { describe, expect, it } from 'vitest';
import { chooseColumns } from './columnMapping.js';
import { readTable } from './table.js';

describe('chooseColumns', () => {
  it('picks labels as the column with few distinct values and the text as the long one when there is no header', () => {
    expect(chooseColumns(readTable('ham\tHello there\nspam\tWin a prize now\nham\tok\n'))).toEqual({ label: 0, text: 1 });
    expect(chooseColumns(readTable('Hello there,ham\nWin a prize now,spam\nok,ham\n'))).toEqual({ label: 1, text: 0 });
  });

  it('goes by known header names', () => {
    const table = readTable('id,message,category\n1,hi,a\n2,hello,b\n3,hey,a\n');
    expect(chooseColumns(table)).toEqual({ label: 2, text: 1 });
  });

  it('takes columns by header name or 0-based index (number or digits)', () => {
    const table = readTable('id,body,kind,note\n1,hi there,a,x\n2,hello,b,y\n3,hey,a,z\n');
    expect(chooseColumns(table, { textColumn: 'body', labelColumn: 'kind' })).toEqual({ label: 2, text: 1 });
    expect(chooseColumns(table, { textColumn: 3, labelColumn: '2' })).toEqual({ label: 2, text: 3 });
  });

  it('picks the other column when only one is given', () => {
    const table = readTable('ham\tHello there\nspam\tWin\nham\tok\n');
    expect(chooseColumns(table, { textColumn: 1 })).toEqual({ label: 0, text: 1 });
    expect(chooseColumns(table, { labelColumn: 1 })).toEqual({ label: 1, text: 0 });
  });

  it('explains a column that does not exist, listing the columns', () => {
    const table = readTable('text,label\nhi,ham\nyo,spam\n');
    expect(() => chooseColumns(table, { textColumn: 'msg' })).toThrow('no column "msg": the columns are 0 "text", 1 "label"');
    expect(() => chooseColumns(table, { labelColumn: 2 })).toThrow('no column 2: the columns are 0 "text", 1 "label"');
    expect(() => chooseColumns(table, { textColumn: 0, labelColumn: 'text' })).toThrow(
      'the text and the label column are the same column (0 "text")',
    );
    const named = readTable('"te\rxt",label\nhi,ham\n');
    expect(() => chooseColumns(named, { textColumn: 0, labelColumn: 0 })).toThrow('the same column (0 "te\\rxt")');
  });

  it('refuses a file with one column', () => {
    expect(() => chooseColumns(readTable('hello\nbye\n', { delimiter: ',' }))).toThrow('the file has only one column');
  });
});
