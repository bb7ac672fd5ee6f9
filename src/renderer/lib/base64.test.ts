import { describe, expect, it } from 'vitest';
import { bytesToBase64 } from './base64.js';

const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

describe('bytesToBase64', () => {
  it('encodes known text', () => {
    expect(bytesToBase64(new TextEncoder().encode('ham\tOk lar'))).toBe('aGFtCU9rIGxhcg==');
    expect(bytesToBase64(new Uint8Array())).toBe('');
  });

  it('round-trips every byte value across chunk boundaries', () => {
    const bytes = new Uint8Array(100_003).map((_, i) => (i * 7919) % 256);
    expect(decode(bytesToBase64(bytes))).toEqual(bytes);
  });
});
