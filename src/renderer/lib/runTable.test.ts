import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../common/api.js';
import { BOOK_RUN_CONFIG } from '../../common/runConfig.js';
import { runSummary as run } from './runFixture.js';
import {
  filterOptions,
  filterRuns,
  matchesSearch,
  nextSort,
  NO_FILTER,
  parseTags,
  queuedEstimate,
  queueEstimateText,
  QUEUE_ORDER,
  sortRuns,
  type RunSort,
} from './runTable.js';

const accuracy = (test: number) => ({ train: 0.9, val: 0.9, test });
const ids = (runs: RunSummary[]) => runs.map((r) => r.id);

describe('the Runs table search', () => {
  const dropout = (d: number) => run(1, { config: { ...BOOK_RUN_CONFIG, dropout: d } });

  it('finds a setting by its form label and value, whether or not it differs from the book', () => {
    expect(matchesSearch(dropout(0.1), 'dropout 0.1')).toBe(true);
    expect(matchesSearch(dropout(0.1), 'Dropout  0.1 ')).toBe(true);
    expect(matchesSearch(dropout(0), 'dropout 0')).toBe(true);
    expect(matchesSearch(run(1), 'trainable last-1')).toBe(true);
    expect(matchesSearch(run(1), 'weight decay 0.1')).toBe(true);
  });

  it('does not take a number for the start of a longer one', () => {
    expect(matchesSearch(dropout(0), 'dropout 0.1')).toBe(false);
    expect(matchesSearch(dropout(0.15), 'dropout 0.1')).toBe(false);
    expect(matchesSearch(dropout(0.1), 'dropout 0')).toBe(false);
  });

  it('looks in names, notes, tags and the data set from a word start', () => {
    const r = run(7, { name: 'baseline again', note: 'Looks overfit after epoch 2', tags: ['keep', 'paper'], datasetName: 'Promo SMS' });
    for (const q of ['baseline', 'overfit', 'paper', 'promo', '#7', '']) expect(matchesSearch(r, q), q).toBe(true);
    for (const q of ['aseline', 'nothing', 'keep paper']) expect(matchesSearch(r, q), q).toBe(false);
  });

  it('combines the search with the status, data set and tag filters', () => {
    const runs = [
      run(1, { tags: ['a'] }),
      run(2, { status: 'failed', tags: ['a'] }),
      run(3, { datasetId: 'ds-1', datasetName: 'Mine', tags: ['b'] }),
    ];
    expect(ids(filterRuns(runs, NO_FILTER))).toEqual([1, 2, 3]);
    expect(ids(filterRuns(runs, { ...NO_FILTER, status: 'finished' }))).toEqual([1, 3]);
    expect(ids(filterRuns(runs, { ...NO_FILTER, tag: 'a', status: 'finished' }))).toEqual([1]);
    expect(ids(filterRuns(runs, { ...NO_FILTER, datasetId: 'ds-1' }))).toEqual([3]);
    expect(ids(filterRuns(runs, { ...NO_FILTER, search: 'mine' }))).toEqual([3]);
    expect(filterOptions(runs)).toEqual({
      datasets: [
        { id: 'ds-1', name: 'Mine' },
        { id: 'sms-spam-book', name: 'SMS Spam' },
      ],
      tags: ['a', 'b'],
    });
  });
});

describe('the Runs table sort', () => {
  const runs = [
    run(1, { accuracy: accuracy(0.8), name: 'b', seconds: 30 }),
    run(2, { status: 'queued', queuePosition: 0, name: 'A', estimatedSeconds: 90 }),
    run(3, { accuracy: accuracy(0.9), name: 'c', seconds: 10 }),
    run(4, { status: 'queued', queuePosition: 1, name: 'd' }),
  ];
  const by = (sort: RunSort) => ids(sortRuns(runs, sort));

  it('keeps the queue order by default', () => {
    expect(by(QUEUE_ORDER)).toEqual([2, 4, 3, 1]);
  });

  it('sorts by a figure either way, runs without one last', () => {
    expect(by({ key: 'test', descending: true })).toEqual([3, 1, 4, 2]);
    expect(by({ key: 'test', descending: false })).toEqual([1, 3, 4, 2]);
  });

  it('sorts names without regard to case, and time by the estimate of what has not run', () => {
    expect(by({ key: 'name', descending: false })).toEqual([2, 1, 3, 4]);
    expect(by({ key: 'time', descending: true })).toEqual([2, 1, 3, 4]);
    expect(by({ key: 'status', descending: false })).toEqual([4, 2, 3, 1]);
  });

  it('turns a column around on a second click and goes back to the queue order on a third; figures start largest first', () => {
    expect(nextSort(QUEUE_ORDER, 'test')).toEqual({ key: 'test', descending: true });
    expect(nextSort({ key: 'test', descending: true }, 'test')).toEqual({ key: 'test', descending: false });
    expect(nextSort({ key: 'test', descending: false }, 'test')).toEqual(QUEUE_ORDER);
    expect(nextSort({ key: 'test', descending: false }, 'name')).toEqual({ key: 'name', descending: false });
    expect(nextSort({ key: 'name', descending: true }, 'name')).toEqual(QUEUE_ORDER);
  });
});

describe('tags and estimates', () => {
  it('reads a comma list of tags', () => {
    expect(parseTags(' keep, paper ,, keep,')).toEqual(['keep', 'paper']);
  });

  it('adds up the queued runs’ estimates and counts those without one', () => {
    const runs = [
      run(1, { status: 'queued', estimatedSeconds: 60 }),
      run(2, { status: 'queued', estimatedSeconds: 30 }),
      run(3, { status: 'queued' }),
      run(4, { estimatedSeconds: 99 }),
    ];
    expect(queuedEstimate(runs)).toEqual({ runs: 3, seconds: 90, unknown: 1 });
    expect(queueEstimateText(queuedEstimate(runs))).toBe('≈ 2 min for 2 of 3 runs');
    expect(queueEstimateText({ runs: 2, seconds: 600, unknown: 0 })).toBe('≈ 10 min');
    expect(queueEstimateText({ runs: 2, seconds: 0, unknown: 2 })).toBe('time unknown until this machine has measured its speed');
    expect(queueEstimateText({ runs: 0, seconds: 0, unknown: 0 })).toBe('');
  });
});
