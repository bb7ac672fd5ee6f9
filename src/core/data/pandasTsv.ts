import { WorkbenchError } from '../errors.js';
import type { LabeledRow } from './validation.js';

/**
 * Reads `label<TAB>text` lines the way the book does, `pd.read_csv(path, sep="\t", header=None)`:
 * pandas applies CSV quoting, so a text that starts with a quote runs to the next quote — across
 * line breaks when there is none on its line. On the SMS Spam Collection this merges lines and
 * yields 5,572 rows instead of 5,574. Only the book-exact split wants that; everything else reads
 * the file as what it is (see table.ts).
 */
export function readPandasTsv(text: string, name = 'the file'): LabeledRow[] {
  const rows: LabeledRow[] = [];
  let fields: string[] = [];
  let field = '';
  let state: 'start' | 'field' | 'quoted' | 'quote-in-quoted' = 'start';
  let line = 1;
  let rowLine = 1;
  const endField = () => {
    fields.push(field);
    field = '';
    state = 'start';
  };
  const endRow = () => {
    endField();
    // pandas skips blank lines
    if (!(fields.length === 1 && fields[0] === '')) {
      if (fields.length !== 2) throw new WorkbenchError(`${name}, line ${rowLine}: expected 2 fields (label, text), saw ${fields.length}`);
      rows.push({ label: fields[0], text: fields[1], line: rowLine });
    }
    fields = [];
    rowLine = line + 1;
  };
  for (const c of text.replace(/\r\n?/g, '\n')) {
    if (state === 'quoted') {
      if (c === '"') state = 'quote-in-quoted';
      else field += c;
    } else if (state === 'quote-in-quoted' && c === '"') {
      field += c; // a doubled quote inside quotes
      state = 'quoted';
    } else if (c === '\t') endField();
    else if (c === '\n') endRow();
    else if (state === 'start' && c === '"') state = 'quoted';
    else {
      field += c; // text after a closing quote joins the field, as in pandas
      state = 'field';
    }
    if (c === '\n') line++;
  }
  if (state === 'quoted') throw new WorkbenchError(`${name}: EOF inside a quoted text starting on line ${rowLine}`);
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
