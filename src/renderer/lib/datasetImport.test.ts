import { describe, expect, it } from 'vitest';
import type { ApiProblem } from '../../common/api.js';
import { encodingText, ENCODING_CHOICES, linesText, previewRows, retryChoice, skipButtonText } from './datasetImport.js';

const problem = (line: number, severity: ApiProblem['severity'], kind: ApiProblem['kind'] = 'empty-text'): ApiProblem => ({
  line,
  kind,
  message: kind === 'empty-text' ? 'the text is empty' : 'same text and label as line 2',
  severity,
});

describe('previewRows', () => {
  it('merges the first rows and the rows with errors in line order, marked by their worst problem', () => {
    const rows = previewRows({
      sample: [
        { line: 2, fields: ['hi', 'ham'] },
        { line: 3, fields: ['', 'spam'] },
        { line: 5, fields: ['hi', 'ham'] },
      ],
      problemRows: [
        { line: 4, fields: ['a,b,c'], raw: true },
        { line: 40, fields: ['', 'ham'], raw: false },
      ],
      problems: [problem(3, 'error'), problem(4, 'error', 'malformed'), problem(5, 'warning', 'duplicate-text'), problem(40, 'error')],
    });
    expect(rows.map((r) => [r.line, r.severity, r.raw, r.gapBefore])).toEqual([
      [2, null, false, false],
      [3, 'error', false, false],
      [4, 'error', true, false],
      [5, 'warning', false, false],
      [40, 'error', false, true],
    ]);
    expect(rows[3].title).toBe('duplicate-text: same text and label as line 2');
    expect(rows[0].title).toBe('');
  });
});

describe('the words of the mapping step', () => {
  it('names the encodings as people know them', () => {
    expect(ENCODING_CHOICES.map((c) => c.label)).toEqual(['UTF-8', 'UTF-8 with BOM', 'Windows-1252', 'Latin-1']);
    expect(encodingText('windows-1252', true)).toBe('Windows-1252 (detected)');
    expect(encodingText('latin-1', false)).toBe('Latin-1 (chosen)');
  });

  it('offers another delimiter only where one can help', () => {
    expect(retryChoice('x.csv: could not detect the delimiter (tried tab, comma, semicolon, pipe); give it explicitly')).toBe('delimiter');
    expect(retryChoice('x.csv: the file has only one column; a text and a label column are needed')).toBe('delimiter');
    expect(retryChoice('x.csv is UTF-16 text; save it as UTF-8')).toBeNull();
    expect(retryChoice('x.csv: the file has no records')).toBeNull();
    expect(retryChoice('x.csv is not UTF-8 text (first invalid byte on line 2); read it as Windows-1252 or Latin-1')).toBeNull();
  });

  it('says how many rows the skipping import leaves out, and which', () => {
    expect(skipButtonText(1)).toBe('Import without the 1 row with problems');
    expect(skipButtonText(1200)).toBe('Import without the 1,200 rows with problems');
    expect(linesText([4])).toBe('line 4');
    expect(linesText([4, 7, 9])).toBe('lines 4, 7, 9');
    expect(linesText([1, 2, 3, 4], 2)).toBe('lines 1, 2 and 2 more');
  });
});
