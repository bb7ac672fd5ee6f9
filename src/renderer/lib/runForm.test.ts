import { describe, expect, it } from 'vitest';
import { BOOK_RUN_CONFIG, RunConfigSchema } from '../../common/runConfig.js';
import { buildGrid, canonicalText, FIELDS, formFromConfig, splitList, type FormState } from './runForm.js';

const book = () => formFromConfig(BOOK_RUN_CONFIG);

function set(form: FormState, path: string, value: string, list?: string): FormState {
  form[path] = { value, vary: list !== undefined, list: list ?? value };
  return form;
}

describe('the run form', () => {
  it('has a field for every RunConfig knob', () => {
    const covered = new Set(FIELDS.map((f) => f.path.split('.')[0]));
    for (const key of Object.keys(RunConfigSchema.shape)) expect(covered, key).toContain(key);
  });

  it('starts at the book recipe and builds one run that parses to it', () => {
    const result = buildGrid(book());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.runs).toBe(1);
    expect(result.grid.vary).toEqual({});
    expect(result.grid.base['trainable']).toBe('last-1');
    expect(result.grid.base).not.toHaveProperty('model.custom');
    expect(result.grid.base).not.toHaveProperty('name');
    const parsed = RunConfigSchema.parse({ ...result.grid.base, trainable: BOOK_RUN_CONFIG.trainable });
    expect(parsed).toEqual(BOOK_RUN_CONFIG);
  });

  it('varies fields over comma lists into a cross product', () => {
    const form = set(set(book(), 'dropout', '0', '0, 0.1,0.2'), 'trainable', 'last-1', 'head, last-2, lora:8, 16');
    const result = buildGrid(form);
    expect(result.ok && result.grid.vary).toEqual({ dropout: [0, 0.1, 0.2], trainable: ['head', 'last-2', 'lora:8,16'] });
    expect(result.ok && result.runs).toBe(9);
  });

  it('reads lora:RANK,ALPHA,last-N in a list as one value, and ", last-N" after a lora value as a value of its own', () => {
    const result = buildGrid(set(book(), 'trainable', 'last-1', 'lora:8,16,last-1, lora:8, 16, last-2'));
    expect(result.ok && result.grid.vary).toEqual({ trainable: ['lora:8,16,last-1', 'lora:8,16', 'last-2'] });
  });

  it('asks where dropout acts only when some run drops, and sends the choice then', () => {
    const without = buildGrid(set(book(), 'dropoutScope', 'trained'));
    expect(without.ok && without.grid.base).not.toHaveProperty('dropoutScope');
    const form = set(set(book(), 'dropout', '0', '0, 0.1'), 'dropoutScope', 'trained');
    const result = buildGrid(form);
    expect(result.ok && result.grid.base['dropoutScope']).toBe('trained');
    expect(result.ok && RunConfigSchema.parse({ ...result.grid.base, trainable: BOOK_RUN_CONFIG.trainable }).dropoutScope).toBe('trained');
    expect(formFromConfig(RunConfigSchema.parse({ dropout: 0.1 }))['dropoutScope'].value).toBe('all');
  });

  it('sends the custom shape only with the custom preset', () => {
    const form = set(set(set(book(), 'model.preset', 'custom'), 'model.custom', '2/64/4'), 'model.weights', 'random');
    const result = buildGrid(form);
    expect(result.ok && result.grid.base).toMatchObject({
      model: { preset: 'custom', weights: 'random', custom: { nLayer: 2, nEmbd: 64, nHead: 4 } },
    });
  });

  it('spells the custom model custom:2,64,4, as run names do, and reads 2,64,4 and 2/64/4 too', () => {
    const custom = (text: string) => {
      const result = buildGrid(set(set(set(book(), 'model.preset', 'custom'), 'model.custom', text), 'model.weights', 'random'));
      return result.ok ? (result.grid.base['model'] as { custom: unknown }).custom : result.errors;
    };
    for (const text of ['custom:2,64,4', '2,64,4', '2/64/4', ' custom: 2, 64, 4 '])
      expect(custom(text), text).toEqual({ nLayer: 2, nEmbd: 64, nHead: 4 });
    expect(custom('custom:1,32,2,64')).toEqual({ nLayer: 1, nEmbd: 32, nHead: 2, nPositions: 64 });
    expect(custom('2,64')).toEqual({ 'model.custom': expect.stringContaining('custom:LAYERS,WIDTH,HEADS') });
    expect(canonicalText('model.custom', '2/64/4', false)).toBe('custom:2,64,4');
    expect(canonicalText('model.custom', '2/64/4, custom:4,128,4,256', true)).toBe('custom:2,64,4, custom:4,128,4,256');
    expect(canonicalText('model.custom', '2/64', false)).toBe('2/64');
    expect(canonicalText('dropout', '0.10', false)).toBe('0.10');
    const shapes = set(set(book(), 'model.preset', 'custom'), 'model.custom', '', 'custom:2,64,4, custom:4,128,4');
    const grid = buildGrid(set(shapes, 'model.weights', 'random'));
    expect(grid.ok && grid.grid.vary?.['model.custom']).toHaveLength(2);
  });

  it('reads split percentages, off values and named lengths', () => {
    const form = set(set(set(set(book(), 'dataset.split', '80/10/10'), 'earlyStopping', '2'), 'gradClip', 'off'), 'maxLength', 'context');
    const result = buildGrid(form);
    expect(result.ok && result.grid.base).toMatchObject({
      dataset: { split: { train: 0.8, val: 0.1, test: 0.1 } },
      earlyStopping: { patience: 2 },
      gradClip: null,
      maxLength: 'context',
    });
  });

  it('repeats every cell with N seeds and counts the runs', () => {
    const form = set(book(), 'dropout', '0', '0, 0.1');
    const result = buildGrid(form, '3');
    expect(result.ok && result.grid.repeats).toBe(3);
    expect(result.ok && [result.cells, result.runs]).toEqual([2, 6]);
    expect(buildGrid(book()).ok && buildGrid(book())).toMatchObject({ runs: 1, grid: { repeats: 1 } });
  });

  it('reports a repeat count that is not a whole number from 1 to 50', () => {
    for (const text of ['0', '2.5', '51', 'some']) {
      const result = buildGrid(book(), text);
      expect(result.ok ? null : Object.keys(result.errors), text).toEqual(['repeats']);
    }
  });

  it('sends a split seed only when one is given', () => {
    const withSeed = buildGrid(set(book(), 'splitSeed', '7'));
    expect(withSeed.ok && withSeed.grid.base['splitSeed']).toBe(7);
    const parsed = withSeed.ok && RunConfigSchema.parse({ ...withSeed.grid.base, trainable: BOOK_RUN_CONFIG.trainable });
    expect(parsed && parsed.splitSeed).toBe(7);
    const without = buildGrid(book());
    expect(without.ok && without.grid.base).not.toHaveProperty('splitSeed');
  });

  it('reports each bad field by path', () => {
    const form = set(set(set(book(), 'dropout', '0', '0, lots'), 'epochs', '2.5'), 'trainable', 'some');
    const result = buildGrid(form);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['dropout', 'epochs', 'trainable']);
    expect(result.errors['dropout']).toContain('lots');
  });

  it("refuses numbers at the config schema's own limits, saying which", () => {
    const form = set(set(set(set(book(), 'dropout', '0.95'), 'learningRate', '0'), 'epochs', '2.5'), 'model.preset', 'custom');
    const result = buildGrid(set(form, 'model.custom', 'custom:2,64,0'), '51');
    expect(result.ok ? null : result.errors).toEqual({
      dropout: '0.95 is above 0.9',
      learningRate: '0 is not above 0',
      epochs: '"2.5" is not a whole number',
      'model.custom': '0 is below 1',
      repeats: '51 is above 50',
    });
    expect(RunConfigSchema.safeParse({ dropout: 0.9, learningRate: 1e-9 }).success).toBe(true);
  });

  it('round-trips a run config through the form (duplicate-and-edit)', () => {
    const config = RunConfigSchema.parse({
      name: 'mine',
      trainable: { kind: 'lora', rank: 4, alpha: 8 },
      pooling: 'last-token',
      dropout: 0.1,
      splitSeed: 9,
      model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4 }, weights: 'random' },
    });
    const result = buildGrid(formFromConfig(config));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const parsed = RunConfigSchema.parse({ ...result.grid.base, trainable: config.trainable });
    expect(parsed).toEqual(config);
    expect(result.grid.base['trainable']).toBe('lora:4,8');
    expect(formFromConfig(config)['model.custom'].value).toBe('custom:2,64,4');
  });
});

describe('splitList', () => {
  it('trims and drops empties', () => {
    expect(splitList(' a, b,,c ')).toEqual(['a', 'b', 'c']);
  });
});
