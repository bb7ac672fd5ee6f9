import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../common/runConfig.js';
import { configHash, groupKey, splitKey } from './configFields.js';
import { InvalidRequest } from './errors.js';
import { differencesFromBook, expandGrid, groupName, groupNames, shortName } from './grid.js';

const grid = (base: Record<string, unknown>, vary: Record<string, unknown[]> = {}, repeats = 1) => expandGrid({ base, vary, repeats });

describe('grids', () => {
  it('are the cross product, first field slowest, each run named after what differs', () => {
    const runs = grid({ weightDecay: 0 }, { trainable: ['last-1', 'last-2'], dropout: [0, 0.1] });
    expect(runs.map((r) => r.name)).toEqual(['last-1 · dropout 0', 'last-1 · dropout 0.1', 'last-2 · dropout 0', 'last-2 · dropout 0.1']);
    expect(runs[3].config).toMatchObject({ trainable: { kind: 'last', blocks: 2 }, dropout: 0.1, weightDecay: 0 });
  });

  it('name nested fields and objects in their short form, after the base name', () => {
    const runs = grid(
      { name: 'small', model: { weights: 'random' } },
      { 'model.preset': ['gpt2-small', 'gpt2-medium'], earlyStopping: [null, { patience: 2 }] },
    );
    expect(runs.map((r) => r.name)).toEqual([
      'small · gpt2-small · no early stopping',
      'small · gpt2-small · early stopping 2',
      'small · gpt2-medium · no early stopping',
      'small · gpt2-medium · early stopping 2',
    ]);
  });

  it('name a single run after what differs from the book', () => {
    expect(grid({})[0].name).toBe('book recipe');
    const [run] = grid({
      trainable: 'last-2',
      dropout: 0.1,
      model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4 }, weights: 'random' },
    });
    expect(run.name).toBe('custom:2,64,4 · random weights · last-2 +1 more');
    expect(differencesFromBook(run.config)).toBe('custom:2,64,4 · random weights · last-2 · dropout 0.1');
  });

  it('name a duplicate "copy of #N" and what changed from it', () => {
    const source = { id: 7, config: RunConfigSchema.parse({ dropout: 0.1, model: { weights: 'random' } }) };
    const copy = (base: Record<string, unknown>, vary: Record<string, unknown[]> = {}) =>
      expandGrid({ base: { dropout: 0.1, model: { weights: 'random' }, ...base }, vary }, undefined, source).map((r) => r.name);
    expect(copy({})).toEqual(['copy of #7']);
    const custom = {
      id: 8,
      config: RunConfigSchema.parse({ model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4 }, weights: 'random' } }),
    };
    expect(expandGrid({ base: {}, vary: {} }, undefined, custom).map((r) => r.name)).toEqual([
      'copy of #8 · gpt2-small · pretrained weights',
    ]);
    expect(copy({ epochs: 2 }, { trainable: ['last-2', 'all'] })).toEqual([
      'copy of #7 · last-2 · 2 epochs',
      'copy of #7 · all · 2 epochs',
    ]);
  });

  it('never exceed 60 characters, cut at a separator', () => {
    const [run] = grid(
      { name: 'a rather long name that someone typed for this one experiment', dropout: 0.2 },
      { trainable: ['last-2', 'all'] },
    );
    expect(run.name.length).toBeLessThanOrEqual(60);
    expect(run.name).toBe('a rather long name that someone typed for this one…');
    expect(shortName('x'.repeat(80))).toBe(`${'x'.repeat(59)}…`);
    expect(shortName('short · name')).toBe('short · name');
  });

  it('refuse invalid values with the field and the combination', () => {
    expect(() => grid({}, { dropout: [0, 5] })).toThrow(InvalidRequest);
    expect(() => grid({}, { dropout: [0, 5] })).toThrow(/\(dropout=5\): dropout: /);
    expect(() => grid({}, { 'model.__proto__.x': [1] })).toThrow(/not a config field/);
    expect(() => grid({}, { seed: Array.from({ length: 30 }, (_, i) => i), epochs: Array.from({ length: 30 }, (_, i) => i + 1) })).toThrow(
      /900 runs/,
    );
  });
});

describe('repeats', () => {
  it('follow each cell with training seeds seed + 1, …, the split seed fixed to the cell’s', () => {
    const runs = grid({ seed: 5 }, { dropout: [0, 0.1] }, 3);
    expect(runs.map((r) => [r.config.dropout, r.config.seed, r.config.splitSeed])).toEqual([
      [0, 5, 5],
      [0, 6, 5],
      [0, 7, 5],
      [0.1, 5, 5],
      [0.1, 6, 5],
      [0.1, 7, 5],
    ]);
    expect(runs.map((r) => r.name)).toEqual([
      'dropout 0 · seed 5',
      'dropout 0 · seed 6',
      'dropout 0 · seed 7',
      'dropout 0.1 · seed 5',
      'dropout 0.1 · seed 6',
      'dropout 0.1 · seed 7',
    ]);
  });

  it('keep a split seed given in the base, and count towards the grid limit', () => {
    expect(grid({ splitSeed: 9 }, {}, 2).map((r) => r.config.splitSeed)).toEqual([9, 9]);
    expect(() => grid({}, { dropout: [0, 0.1, 0.2, 0.3, 0.4] }, 101)).toThrow(/505 runs/);
  });

  it('form one group per cell, all on the same messages; the first repeat is the plain run', () => {
    const runs = grid({}, { dropout: [0, 0.1] }, 2);
    const groups = runs.map((r) => groupKey(r.config, 'data'));
    expect(groups[0]).toBe(groups[1]);
    expect(groups[2]).toBe(groups[3]);
    expect(groups[0]).not.toBe(groups[2]);
    expect(new Set(runs.map((r) => splitKey(r.config, 'data'))).size).toBe(1);
    expect(splitKey(runs[0].config, 'other data')).not.toBe(splitKey(runs[0].config, 'data'));
    // seed 123 with the split seed written out is the book's recipe, so it is found as its duplicate.
    expect(configHash(runs[0].config)).toBe(configHash(RunConfigSchema.parse({})));
    expect(groupName(runs[1].config)).toBe('book recipe');
    expect(groupName(RunConfigSchema.parse({ seed: 7 }))).toBe('split seed 7');
    expect(groupNames(runs.filter((_, i) => i % 2 === 0).map((r) => r.config))).toEqual(['dropout 0', 'dropout 0.1']);
    expect(groupNames([runs[1].config])).toEqual(['book recipe']);
  });
});

describe('config hash', () => {
  it('ignores the name and the data set id, and nothing else', () => {
    const a = RunConfigSchema.parse({ name: 'a' });
    expect(configHash(RunConfigSchema.parse({ name: 'b', dataset: { source: 'ds-1' } }))).toBe(configHash(a));
    expect(configHash(RunConfigSchema.parse({ dropout: 0.1 }))).not.toBe(configHash(a));
    expect(configHash(RunConfigSchema.parse({ dataset: { balance: false } }))).not.toBe(configHash(a));
  });
});

describe('the dropout scope', () => {
  it('names the runs it tells apart; without dropout it is no difference from the book', () => {
    const runs = grid({ dropout: 0.1 }, { dropoutScope: ['all', 'trained'] });
    expect(runs.map((r) => r.name)).toEqual(['dropout in every block', 'dropout in trained blocks']);
    expect(differencesFromBook(runs[1].config)).toBe('dropout 0.1 · dropout in trained blocks');
    expect(differencesFromBook(RunConfigSchema.parse({ dropoutScope: 'trained' }))).toBe('');
  });

  it('keeps the hashes and groups of runs recorded before it existed: its default (and any scope without dropout) canonicalises away', () => {
    // configHash of { dropout: 0.1 } as recorded before the setting existed.
    expect(configHash(RunConfigSchema.parse({ dropout: 0.1 }))).toBe('a7475ed5b25f0dd2b730c57574474692513feb840cdc9f499ddc2375aa727249');
    expect(configHash(RunConfigSchema.parse({ dropout: 0.1, dropoutScope: 'all' }))).toBe(
      configHash(RunConfigSchema.parse({ dropout: 0.1 })),
    );
    expect(configHash(RunConfigSchema.parse({ dropout: 0.1, dropoutScope: 'trained' }))).not.toBe(
      configHash(RunConfigSchema.parse({ dropout: 0.1 })),
    );
    expect(configHash(RunConfigSchema.parse({ dropoutScope: 'trained' }))).toBe(configHash(RunConfigSchema.parse({})));
    expect(groupKey(RunConfigSchema.parse({ dropout: 0.1, dropoutScope: 'all' }), 'd')).toBe('gf5bb122ecf');
    expect(groupKey(RunConfigSchema.parse({ dropout: 0.1, dropoutScope: 'trained' }), 'd')).not.toBe('gf5bb122ecf');
  });
});

describe('LoRA on the last N blocks', () => {
  it('is its own run, named in the short form; runs with adapters on every block keep their hashes', () => {
    const runs = grid({}, { trainable: ['lora:8,16', 'lora:8,16,last-1'] });
    expect(runs.map((r) => r.name)).toEqual(['lora:8,16', 'lora:8,16,last-1']);
    expect(runs[1].config.trainable).toEqual({ kind: 'lora', rank: 8, alpha: 16, blocks: 1 });
    // No `blocks` key at all when absent, so the config JSON of an all-blocks run is as before.
    expect(Object.keys(runs[0].config.trainable)).toEqual(['kind', 'rank', 'alpha']);
    // configHash of lora:8,16 as recorded before adapters could be limited to the last blocks.
    expect(configHash(runs[0].config)).toBe('ad128591a4f2fdddbd18b4980bf93ed423629f7fbdc68febb85be00b6512e110');
    expect(configHash(runs[1].config)).not.toBe(configHash(runs[0].config));
    expect(groupKey(runs[1].config, 'd')).not.toBe(groupKey(runs[0].config, 'd'));
    expect(differencesFromBook(runs[1].config)).toBe('lora:8,16,last-1');
  });

  it('refuses a short form it cannot read with one line', () => {
    expect(() => grid({ trainable: 'lora:8,16,last-0' })).toThrow(InvalidRequest);
    expect(() => grid({ trainable: 'lora:8,16,first-1' })).toThrow(/is not one of .* lora:RANK,ALPHA,last-N$/);
  });
});
