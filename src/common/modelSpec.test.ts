import { describe, expect, it } from 'vitest';
import { formatTrainable, parseTrainable } from './modelSpec.js';

describe('the short form of a trainable selection', () => {
  it.each(['head', 'head+norm', 'last-2', 'all', 'lora:8,16', 'lora:16,16,last-1', 'lora:4,0.5,last-3'])(
    '%s reads and writes back',
    (text) => {
      expect(formatTrainable(parseTrainable(text))).toBe(text);
    },
  );

  it('lora:RANK,ALPHA,last-N limits the adapters to the last N blocks; without it every block has them', () => {
    expect(parseTrainable('lora:8,16,last-1')).toEqual({ kind: 'lora', rank: 8, alpha: 16, blocks: 1 });
    expect(parseTrainable('lora:8,16')).toEqual({ kind: 'lora', rank: 8, alpha: 16 });
    expect(parseTrainable('lora:8,16')).not.toHaveProperty('blocks');
  });

  it.each([
    ['lora:8,16,last-0', /Too small: expected number to be >=1/],
    ['lora:8,16,last-', /is not one of head, head\+norm, last-N, all, lora:RANK,ALPHA, lora:RANK,ALPHA,last-N$/],
    ['lora:8,16,first-1', /^trainable "lora:8,16,first-1" is not one of/],
    ['lora:8,16,2', /is not one of/],
  ])('%s is refused', (text, message) => {
    expect(() => parseTrainable(text)).toThrow(message);
  });
});
