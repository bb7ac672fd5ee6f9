import { describe, expect, it } from 'vitest';
import { chooseColumns, columnFigures, type ColumnOptions } from './columnMapping.js';
import { surveyTable, type TableOptions } from './table.js';
import { stringSource } from './textDecoding.js';

/** The columns chosen for `text`, its data read (only) when no header names them. */
function choose(text: string, options: ColumnOptions = {}, table: TableOptions = {}) {
  const source = stringSource(text);
  const shape = surveyTable(source, table);
  return chooseColumns(shape, options, () => columnFigures(source, shape));
}

describe('chooseColumns', () => {
  it('picks labels as the column with few distinct values and the text as the long one when there is no header', () => {
    expect(choose('ham\tHello there\nspam\tWin a prize now\nham\tok\n')).toEqual({ label: 0, text: 1 });
    expect(choose('Hello there,ham\nWin a prize now,spam\nok,ham\n')).toEqual({ label: 1, text: 0 });
  });

  it('goes by known header names', () => {
    const table = 'id,message,category\n1,hi,a\n2,hello,b\n3,hey,a\n';
    expect(choose(table)).toEqual({ label: 2, text: 1 });
  });

  it('takes columns by header name or 0-based index (number or digits)', () => {
    const table = 'id,body,kind,note\n1,hi there,a,x\n2,hello,b,y\n3,hey,a,z\n';
    expect(choose(table, { textColumn: 'body', labelColumn: 'kind' })).toEqual({ label: 2, text: 1 });
    expect(choose(table, { textColumn: 3, labelColumn: '2' })).toEqual({ label: 2, text: 3 });
  });

  it('picks the other column when only one is given', () => {
    const table = 'ham\tHello there\nspam\tWin\nham\tok\n';
    expect(choose(table, { textColumn: 1 })).toEqual({ label: 0, text: 1 });
    expect(choose(table, { labelColumn: 1 })).toEqual({ label: 1, text: 0 });
  });

  it('explains a column that does not exist, listing the columns', () => {
    const table = 'text,label\nhi,ham\nyo,spam\n';
    expect(() => choose(table, { textColumn: 'msg' })).toThrow('no column "msg": the columns are 0 "text", 1 "label"');
    expect(() => choose(table, { labelColumn: 2 })).toThrow('no column 2: the columns are 0 "text", 1 "label"');
    expect(() => choose(table, { textColumn: 0, labelColumn: 'text' })).toThrow(
      'the text and the label column are the same column (0 "text")',
    );
    const named = '"te\rxt",label\nhi,ham\n';
    expect(() => choose(named, { textColumn: 0, labelColumn: 0 })).toThrow('the same column (0 "te\\rxt")');
  });

  it('refuses a file with one column', () => {
    expect(() => choose('hello\nbye\n', {}, { delimiter: ',' })).toThrow('the file has only one column');
  });
});
