import { describe, expect, it } from 'vitest';
import { bytesSource } from './byteSource.js';
import { decodeData, decodeDataText, decodeSource, detectEncoding, normalizeText } from './textDecoding.js';

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
    expect(() => decodeDataText(latin1, 'x.csv')).toThrow(
      'x.csv is not UTF-8 text (first invalid byte on line 3); read it as Windows-1252 or Latin-1, or save it as UTF-8',
    );
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

// Real bytes, as the editors that write these encodings save them (the ASCII parts via TextEncoder).
const bytes = (...parts: (string | number)[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...utf8(p)] : [p])));

describe('detectEncoding and decodeData', () => {
  it('reads valid UTF-8 as UTF-8, and says when it starts with a BOM', () => {
    const plain = utf8('text,label\n“Café” €5,ham\n');
    expect(decodeData(plain)).toEqual({ text: 'text,label\n“Café” €5,ham\n', encoding: 'utf-8', detected: true });
    const marked = new Uint8Array([0xef, 0xbb, 0xbf, ...plain]);
    expect(decodeData(marked)).toEqual({ text: 'text,label\n“Café” €5,ham\n', encoding: 'utf-8-bom', detected: true });
    expect(detectEncoding(utf8('plain ASCII'))).toBe('utf-8');
  });

  it('reads a Windows-1252 file (Excel, Notepad): smart quotes, the euro sign, dashes and accents', () => {
    // “Café” – €5… as Windows-1252 writes it: 0x93 C a f 0xE9 0x94 space 0x96 space 0x80 5 0x85, CRLF line breaks
    const file = bytes('text,label\r\n', 0x93, 'Caf', 0xe9, 0x94, ' ', 0x96, ' ', 0x80, '5', 0x85, ',ham\r\n');
    expect(decodeData(file)).toEqual({ text: 'text,label\n“Café” – €5…,ham\n', encoding: 'windows-1252', detected: true });
  });

  it('reads a file with a byte Windows-1252 leaves undefined as Latin-1, every byte its own code point', () => {
    // 0x81 is undefined in Windows-1252; in Latin-1 (ISO-8859-1) it is the control U+0081, 0x80 U+0080 (not €).
    const file = bytes('text,label\n', 0x81, 'Stra', 0xdf, 'e ', 0xf1, ' ', 0x80, ',ham\n');
    expect(decodeData(file)).toEqual({ text: 'text,label\n\u0081Straße ñ \u0080,ham\n', encoding: 'latin-1', detected: true });
    for (const undefinedByte of [0x81, 0x8d, 0x8f, 0x90, 0x9d]) expect(detectEncoding(bytes('a', undefinedByte))).toBe('latin-1');
  });

  it('reads a Latin-1 file without C1 bytes the same either way (they agree from 0xA0 to 0xFF)', () => {
    const file = bytes('text,label\n', 'Stra', 0xdf, 'e, ', 0xa3, '5 ', 0xa9, ',ham\n'); // £ 0xA3, © 0xA9
    expect(decodeData(file).encoding).toBe('windows-1252');
    expect(decodeData(file).text).toBe(decodeData(file, { encoding: 'latin-1' }).text);
    expect(decodeData(file).text).toBe('text,label\nStraße, £5 ©,ham\n');
  });

  it('decodes in the chosen encoding, whatever detection would say', () => {
    const file = bytes('a', 0x80, 'b');
    expect(decodeData(file, { encoding: 'windows-1252' })).toEqual({ text: 'a€b', encoding: 'windows-1252', detected: false });
    expect(decodeData(file, { encoding: 'latin-1' })).toEqual({ text: 'a\u0080b', encoding: 'latin-1', detected: false });
    // Valid UTF-8 read as Windows-1252 is mojibake, but that is the choice made.
    expect(decodeData(utf8('é'), { encoding: 'windows-1252' }).text).toBe('Ã©');
    expect(() => decodeData(file, { encoding: 'utf-8', name: 'x.csv' })).toThrow(
      /^x\.csv is not UTF-8 text \(first invalid byte on line 1\)/,
    );
  });

  it('refuses UTF-16, which would read as every other character a NUL', () => {
    expect(() => decodeData(new Uint8Array([0xff, 0xfe, 0x61, 0x00]), { name: 'x.csv' })).toThrow('x.csv is UTF-16 text; save it as UTF-8');
    expect(() => decodeData(new Uint8Array([0xfe, 0xff, 0x00, 0x61]))).toThrow('the file is UTF-16 text; save it as UTF-8');
  });
});

describe('decodeSource: a file read in chunks of 1 MiB', () => {
  const MiB = 2 ** 20;
  const text = (bytes: Uint8Array, encoding?: 'windows-1252') => [...decodeSource(bytesSource(bytes), { encoding }).chunks()].join('');

  it("joins a CRLF and a character that a chunk's end cuts in two", () => {
    const crlf = Buffer.concat([Buffer.alloc(MiB - 1, 'a'), Buffer.from('\r\nb\n')]);
    expect(text(crlf)).toBe(`${'a'.repeat(MiB - 1)}\nb\n`);
    const euro = Buffer.concat([Buffer.alloc(MiB - 1, 'a'), Buffer.from('€\n')]);
    expect(text(euro)).toBe(`${'a'.repeat(MiB - 1)}€\n`);
  });

  it('detects from every chunk: a Windows-1252 byte past the first MiB, a line break only there', () => {
    const late = Buffer.concat([Buffer.alloc(MiB + 10, 'a'), Buffer.from([0x80]), Buffer.from('\r\n')]);
    const source = decodeSource(bytesSource(late));
    expect(source.encoding).toBe('windows-1252');
    expect([...source.chunks()].join('').endsWith('a€\n')).toBe(true);
    const bad = Buffer.concat([Buffer.from('x\n'.repeat(MiB)), Buffer.from([0xff])]);
    expect(() => decodeSource(bytesSource(bad, 'big.csv'), { encoding: 'utf-8' })).toThrow(
      /^big\.csv is not UTF-8 text \(first invalid byte on line 1048577\)/,
    );
  });
});
