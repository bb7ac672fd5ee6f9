import { describe, expect, it } from 'vitest';
import { parseIds, parseRoute, routeHash } from './router.js';

describe('parseRoute', () => {
  it('reads the page and its query from the hash', () => {
    expect(parseRoute('#/compare?ids=1,2')).toEqual({ name: 'compare', query: { ids: '1,2' } });
    expect(parseRoute('#/datasets')).toEqual({ name: 'datasets', query: {} });
    expect(parseRoute('#/system/')).toEqual({ name: 'system', query: {} });
  });

  it('falls back to the runs page for an empty or unknown hash', () => {
    expect(parseRoute('').name).toBe('runs');
    expect(parseRoute('#/').name).toBe('runs');
    expect(parseRoute('#/nowhere').name).toBe('runs');
  });

  it('is the popup for the #/popup hash and for a /popup path', () => {
    expect(parseRoute('#/popup').name).toBe('popup');
    expect(parseRoute('', '/popup').name).toBe('popup');
    expect(parseRoute('#/runs', '/popup/').name).toBe('popup');
    expect(parseRoute('', '/index.html').name).toBe('runs');
  });
});

describe('routeHash', () => {
  it('round-trips through parseRoute and keeps commas readable', () => {
    const hash = routeHash('compare', { ids: '3,4' });
    expect(hash).toBe('#/compare?ids=3,4');
    expect(parseRoute(hash)).toEqual({ name: 'compare', query: { ids: '3,4' } });
    expect(routeHash('new')).toBe('#/new');
  });
});

describe('parseIds', () => {
  it('keeps positive integers once, in order', () => {
    expect(parseIds('2, 1,2,x,0,-3,1.5')).toEqual([2, 1]);
    expect(parseIds(undefined)).toEqual([]);
  });
});
