import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../common/api.js';
import { classifierRuns, messageLines, pickRun } from './classify.js';

describe('messageLines', () => {
  it('takes one message per line, skipping blanks', () => {
    expect(messageLines('Win a prize!\r\n\n  see you at 5 \n')).toEqual(['Win a prize!', 'see you at 5']);
    expect(messageLines('   ')).toEqual([]);
  });
});

describe('classifierRuns and pickRun', () => {
  const run = (id: number, status: RunSummary['status'], hasClassifier: boolean) => ({ id, status, hasClassifier }) as RunSummary;
  const runs = classifierRuns([run(1, 'finished', true), run(2, 'failed', false), run(3, 'finished', true), run(4, 'finished', false)]);

  it('keeps finished runs with a classifier, newest first', () => {
    expect(runs.map((r) => r.id)).toEqual([3, 1]);
  });

  it('keeps the remembered run while it can classify', () => {
    expect(pickRun(runs, 1)).toBe(1);
    expect(pickRun(runs, 2)).toBe(3);
    expect(pickRun(runs, null)).toBe(3);
    expect(pickRun([], 1)).toBeNull();
  });
});
