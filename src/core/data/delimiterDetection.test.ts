import { describe, expect, it } from 'vitest';
import { detectDelimiter } from './delimiterDetection.js';

describe('detectDelimiter', () => {
  it('finds the tab of label<TAB>text lines whose texts hold commas and quotes', () => {
    expect(detectDelimiter('ham\tOk, see you "soon"\nspam\tWIN, WIN, WIN\nham\tno\n')).toBe('\t');
  });

  it('finds the comma of a CSV and ignores commas inside quotes', () => {
    expect(detectDelimiter('label,text\nham,"a, b, c"\nspam,"d; e"\nham,f\n')).toBe(',');
  });

  it('finds semicolons and pipes', () => {
    expect(detectDelimiter('label;text\nham;a, b\nspam;c\n')).toBe(';');
    expect(detectDelimiter('label|text\nham|a, b\nspam|c; d\n')).toBe('|');
  });

  it('prefers the tab when tab and comma split every line alike', () => {
    expect(detectDelimiter('a\tb,c\nd\te,f\n')).toBe('\t');
  });

  it('gives up on a single column', () => {
    expect(detectDelimiter('just text\nmore text\n')).toBeUndefined();
  });
});
