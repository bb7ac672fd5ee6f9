import { describe, expect, it } from 'vitest';
import { cachesPrefix, stepsStartFromCache } from './prefixCache.js';

describe('what a run does with its frozen prefix', () => {
  it('caches it whenever a leading block is frozen, in every dropout scope, unless the reference mode turns it off', () => {
    expect([cachesPrefix(11, undefined), cachesPrefix(1, true)]).toEqual([true, true]);
    expect(cachesPrefix(0, undefined)).toBe(false); // nothing frozen: nothing to cache
    expect(cachesPrefix(11, false)).toBe(false);
  });

  it('starts the training steps from it unless dropout reaches the frozen blocks (scope all, the default)', () => {
    expect(stepsStartFromCache({ dropout: 0 })).toBe(true);
    expect(stepsStartFromCache({ dropout: 0, dropoutScope: 'all' })).toBe(true);
    expect(stepsStartFromCache({ dropout: 0.1, dropoutScope: 'trained' })).toBe(true);
    expect(stepsStartFromCache({ dropout: 0.1 })).toBe(false);
    expect(stepsStartFromCache({ dropout: 0.1, dropoutScope: 'all' })).toBe(false);
  });
});
