import { describe, expect, it } from 'vitest';
import { isSolo, soloHidden, toggleHidden } from './visibility.js';

const all = [1, 2, 3, 4, 5];

describe('run visibility', () => {
  it('hides a run and shows it again', () => {
    const hidden = toggleHidden(new Set(), [2]);
    expect([...hidden]).toEqual([2]);
    expect([...toggleHidden(hidden, [2])]).toEqual([]);
  });

  it('hides a whole group when part of it is shown, and shows it when all of it is hidden', () => {
    const partly = new Set([2]);
    expect([...toggleHidden(partly, [1, 2, 3])].sort()).toEqual([1, 2, 3]);
    expect([...toggleHidden(new Set([1, 2, 3, 5]), [1, 2, 3])]).toEqual([5]);
  });

  it('solo hides the others, and a second solo shows everything again', () => {
    const solo = soloHidden(all, new Set([3]), [4]);
    expect([...solo].sort()).toEqual([1, 2, 3, 5]);
    expect(isSolo(all, solo, [4])).toBe(true);
    expect([...soloHidden(all, solo, [4])]).toEqual([]);
    expect(isSolo(all, new Set(), all)).toBe(false);
  });
});
