import { describe, expect, it } from 'vitest';
import { decodeDataText, normalizeText } from './textDecoding.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('decodeDataText', () => {
  it('drops a UTF-8 BOM and keeps non-ASCII text', () => {
    expect(decodeDataText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('label,text\nham,£5 …\n')]))).toBe('label,text\nham,£5 …\n');
  });

  it('reads text without a BOM as it is', () => {
    expect(decodeDataText(utf8('ham\tok\n'))).toBe('ham\tok\n');
  });

  it('turns CRLF into LF', () => {
    expect(decodeDataText(utf8('a,b\r\n1,"x\r\ny"\r\n'))).toBe('a,b\n1,"x\ny"\n');
  });

  it('refuses text that is not UTF-8, naming the line of the first bad byte', () => {
    const latin1 = new Uint8Array([...utf8('label,text\nham,ok\nspam,'), 0xa3, ...utf8('5\n')]);
    expect(() => decodeDataText(latin1, 'x.csv')).toThrow('x.csv is not UTF-8 text (first invalid byte on line 3); save it as UTF-8');
  });
});

describe('normalizeText', () => {
  it('drops a BOM character and CRLF from text given as a string', () => {
    expect(normalizeText('\uFEFFa\r\nb\n')).toBe('a\nb\n');
  });
});

describe('line breaks', () => {
  it('reads a file with CR line breaks only (classic Mac OS) as lines', () => {
    expect(decodeDataText(utf8('text,label\rhi,ham\rwin,spam\r'))).toBe('text,label\nhi,ham\nwin,spam\n');
  });

  it('keeps a lone CR inside a file with LF line breaks as text', () => {
    expect(decodeDataText(utf8('text,label\nhi\rthere,ham\n'))).toBe('text,label\nhi\rthere,ham\n');
  });
});
