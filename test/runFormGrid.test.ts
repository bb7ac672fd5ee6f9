import { describe, expect, it } from 'vitest';
import { RunGridSchema } from '../src/common/api.js';
import { BOOK_RUN_CONFIG, RunConfigSchema } from '../src/common/runConfig.js';
import { buildGrid, formFromConfig, type FormState } from '../src/renderer/lib/runForm.js';
import { expandGrid } from '../src/service/grid.js';

// The run builder's grid as the service expands it: the form and the service must agree on the shape.

function expand(form: FormState) {
  const result = buildGrid(form);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return expandGrid(RunGridSchema.parse(result.grid));
}

describe('the run builder’s grid in the service', () => {
  it('is the book recipe, untouched', () => {
    expect(expand(formFromConfig(BOOK_RUN_CONFIG)).map((r) => r.config)).toEqual([BOOK_RUN_CONFIG]);
  });

  it('is the cross product of the varied fields (in form order, the first slowest) over a custom model', () => {
    const form = formFromConfig(BOOK_RUN_CONFIG);
    form['model.preset'].value = 'custom';
    form['model.weights'].value = 'random';
    form['model.custom'].value = '2/64/4';
    form['dropout'] = { value: '0', vary: true, list: '0, 0.2' };
    form['trainable'] = { value: 'last-1', vary: true, list: 'head, lora:4,8' };
    const runs = expand(form);
    expect(runs.map((r) => [r.config.dropout, r.config.trainable])).toEqual([
      [0, { kind: 'head' }],
      [0.2, { kind: 'head' }],
      [0, { kind: 'lora', rank: 4, alpha: 8 }],
      [0.2, { kind: 'lora', rank: 4, alpha: 8 }],
    ]);
    expect(runs[0].config.model).toEqual({
      preset: 'custom',
      weights: 'random',
      custom: { nLayer: 2, nEmbd: 64, nHead: 4, nPositions: 1024 },
    });
    expect(new Set(runs.map((r) => r.name)).size).toBe(4);
  });

  it('round-trips a run’s config (duplicate and edit)', () => {
    const config = RunConfigSchema.parse({
      name: 'mine',
      pooling: 'last-token',
      earlyStopping: { patience: 2 },
      gradClip: 1,
      maxLength: 64,
      dataset: { split: { train: 0.8, val: 0.1, test: 0.1 }, dedupe: true },
    });
    expect(expand(formFromConfig(config)).map((r) => r.config)).toEqual([config]);
  });

  it('sends the stratified split only when ticked, and names the runs that vary it', () => {
    const book = expand(formFromConfig(BOOK_RUN_CONFIG))[0].config;
    expect(JSON.parse(JSON.stringify(book.dataset))).not.toHaveProperty('stratify');
    const form = formFromConfig(BOOK_RUN_CONFIG);
    form['dataset.stratify'].value = 'yes';
    expect(expand(form)[0].config.dataset.stratify).toBe(true);
    form['dataset.stratify'] = { value: 'no', vary: true, list: 'no, yes' };
    expect(expand(form).map((r) => [r.config.dataset.stratify, r.name])).toEqual([
      [undefined, "the book's split"],
      [true, 'stratified split'],
    ]);
    const stratified = RunConfigSchema.parse({ dataset: { stratify: true } });
    expect(expand(formFromConfig(stratified)).map((r) => r.config)).toEqual([stratified]);
  });
});
