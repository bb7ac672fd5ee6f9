import { describe, expect, it } from 'vitest';
import { BOOK_RUN_CONFIG } from '../../common/runConfig.js';
import { differenceRows, settingLabel, settingText } from './settings.js';

describe('settingLabel', () => {
  it('uses the run form’s labels, and the path for a field nobody labelled', () => {
    expect(settingLabel('weightDecay')).toBe('Weight decay');
    expect(settingLabel('evalBatches')).toBe('Batches per evaluation');
    expect(settingLabel('dataset.source')).toBe('Data set');
    expect(settingLabel('dataset.encoding')).toBe('Encoding');
    expect(settingLabel('something.new')).toBe('something.new');
  });
});

describe('settingText', () => {
  it('spells values as the form does', () => {
    expect(settingText('model.custom', { nLayer: 2, nEmbd: 64, nHead: 4, nPositions: 1024 })).toBe('custom:2,64,4');
    expect(settingText('model.custom', { nLayer: 1, nEmbd: 32, nHead: 2, nPositions: 64 })).toBe('custom:1,32,2,64');
    expect(settingText('dataset.split', { train: 0.7, val: 0.1, test: 0.2 })).toBe('70/10/20');
    expect(settingText('dataset.balance', false)).toBe('no');
    expect(settingText('trainable', { kind: 'last', blocks: 1 })).toBe('last-1');
    expect(settingText('splitSeed', null)).toBe('the seed');
    expect(settingText('gradClip', null)).toBe('off');
    expect(settingText('earlyStopping', { patience: 2, minDelta: 0 })).toBe('patience 2');
    expect(settingText('dropout', 0.1)).toBe('0.1');
  });

  it('names a data set by its name', () => {
    expect(settingText('dataset.source', 'ds-0106891c0178e8a7', new Map([['ds-0106891c0178e8a7', 'SMS 300']]))).toBe('SMS 300');
    expect(settingText('dataset.source', 'sms-spam')).toBe('sms-spam');
  });
});

describe('differenceRows', () => {
  it('gives each differing field its label and one text per run', () => {
    const run = (source: string, datasetName: string, weightDecay: number) => ({
      config: { ...BOOK_RUN_CONFIG, dataset: { ...BOOK_RUN_CONFIG.dataset, source }, weightDecay },
      datasetName,
    });
    const rows = differenceRows({
      runs: [run('ds-1', 'SMS 300', 0.1), run('sms-spam-book', 'SMS Spam Collection (book)', 0)],
      differences: [
        { field: 'dataset.source', values: ['ds-1', 'sms-spam-book'] },
        { field: 'weightDecay', values: [0.1, 0] },
      ],
    });
    expect(rows).toEqual([
      { field: 'dataset.source', label: 'Data set', values: ['SMS 300', 'SMS Spam Collection (book)'] },
      { field: 'weightDecay', label: 'Weight decay', values: ['0.1', '0'] },
    ]);
  });
});
