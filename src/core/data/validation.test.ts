import { describe, expect, it } from 'vitest';
import { validateRows } from '../../../test/support/tables.js';
import type { LabeledRow } from './validation.js';

const row = (line: number, text: string, label: string): LabeledRow => ({ line, text, label });

describe('validateRows', () => {
  it('finds nothing wrong with distinct, labelled, short texts', () => {
    expect(validateRows([row(1, 'a', 'ham'), row(2, 'b', 'spam')])).toEqual([]);
  });

  it('reports every error of a row, and leaves rows with errors out of the repeat check', () => {
    const problems = validateRows([row(1, ' ', ''), row(2, ' ', ''), row(3, 'x', 'eggs')], { allowedLabels: ['ham'] });
    expect(problems.map((p) => [p.line, p.kind])).toEqual([
      [1, 'empty-text'],
      [1, 'missing-label'],
      [2, 'empty-text'],
      [2, 'missing-label'],
      [3, 'unknown-label'],
    ]);
  });

  it('compares texts exactly: another spacing or case is another text', () => {
    expect(validateRows([row(1, 'Hi', 'ham'), row(2, 'hi', 'ham'), row(3, 'Hi ', 'ham')])).toEqual([]);
  });

  it('marks every occurrence of a text with conflicting labels, naming at most three others', () => {
    const rows = [row(1, 't', 'a'), row(2, 't', 'b'), row(3, 't', 'a'), row(4, 't', 'c'), row(5, 't', 'a')];
    const problems = validateRows(rows);
    expect(problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5]);
    expect(problems[0]).toEqual({
      line: 1,
      kind: 'conflicting-labels',
      message: 'label "a", but the same text is on line 2 ("b"), line 3 ("a"), line 4 ("c") and 1 more lines',
    });
  });

  it('counts tokens only for texts longer (in bytes) than the context', () => {
    // 'ab' is one token in two bytes; 'a b' is two tokens in three bytes.
    expect(validateRows([row(1, 'ab', 'x'), row(2, 'a b', 'y')], { contextLength: 2 })).toEqual([]);
    expect(validateRows([row(1, 'a b c', 'x')], { contextLength: 2 })).toEqual([
      { line: 1, kind: 'too-long', message: '3 tokens, more than the context length 2; training truncates it' },
    ]);
  });
});
