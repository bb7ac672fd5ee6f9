import { describe, expect, it } from 'vitest';
import { blockSite, EMBEDDING_SITE } from '../model/dropoutSites.js';
import { dropoutContext } from './schedule.js';

describe('dropout seeds per site', () => {
  const config = { dropout: 0.1, seed: 123 };

  it('number the sites in forward order, as the seeds runs recorded before the scope setting drew (seed·1,000,003 + step·1009 + site)', () => {
    const ctx = dropoutContext(config, 2, 7);
    const sites = [EMBEDDING_SITE, blockSite(0, 'attention'), blockSite(0, 'projection'), blockSite(0, 'mlp'), blockSite(1, 'attention')];
    expect(sites).toEqual([0, 1, 2, 3, 4]);
    expect(sites.map((s) => ctx.seed(s))).toEqual(sites.map((s) => (123 * 1_000_003 + 7 * 1009 + s) >>> 0));
  });

  it('scope trained drops only above the frozen prefix, with the seeds scope all gives those sites', () => {
    const all = dropoutContext(config, 2, 7);
    const trained = dropoutContext({ ...config, dropoutScope: 'trained' }, 2, 7);
    expect([EMBEDDING_SITE, blockSite(1, 'mlp')].map((s) => trained.seed(s))).toEqual([null, null]);
    for (const at of ['attention', 'projection', 'mlp'] as const) expect(trained.seed(blockSite(2, at))).toBe(all.seed(blockSite(2, at)));
  });

  it('with nothing frozen both scopes drop everywhere; without dropout nothing drops', () => {
    expect(dropoutContext({ ...config, dropoutScope: 'trained' }, 0, 3).seed(EMBEDDING_SITE)).toBe(dropoutContext(config, 0, 3).seed(0));
    expect(dropoutContext({ ...config, dropout: 0 }, 0, 3).seed(blockSite(0, 'mlp'))).toBeNull();
  });
});
