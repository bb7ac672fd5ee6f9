import { describe, expect, it } from 'vitest';
import { looksLikeHeader } from './headerDetection.js';

const rows = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => line.split(','));

describe('looksLikeHeader', () => {
  it('sees a header above a categorical column that lacks the header cell', () => {
    expect(looksLikeHeader(rows('kind,msg\nham,a\nspam,b\nham,c'))).toBe(true);
  });

  it('sees data when the first cell is one of the categories (SMSSpamCollection starts with "ham")', () => {
    expect(looksLikeHeader(rows('ham,a\nspam,b\nham,c'))).toBe(false);
  });

  it('sees a header above a numeric column, and data when the first row is numeric too', () => {
    expect(looksLikeHeader(rows('msg,y\na,0\nb,1'))).toBe(true);
    expect(looksLikeHeader(rows('a,0\nb,1\nc,1'))).toBe(false);
  });

  it('trusts known column names when the data cannot tell', () => {
    expect(looksLikeHeader(rows('text,label\nhello,ham\nbye,spam'))).toBe(true);
  });

  it('sees no header without support, with empty or repeated cells, or with no data below', () => {
    expect(looksLikeHeader(rows('a,b\nc,d\ne,f'))).toBe(false);
    expect(
      looksLikeHeader([
        ['text', ''],
        ['x', 'ham'],
        ['y', 'ham'],
      ]),
    ).toBe(false);
    expect(looksLikeHeader(rows('text,text\nx,ham\ny,ham'))).toBe(false);
    expect(looksLikeHeader(rows('text,label'))).toBe(false);
  });
});
