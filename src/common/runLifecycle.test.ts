import { describe, expect, it } from 'vitest';
import type { RunStatus } from './api.js';
import { RunStatusSchema } from './api.js';
import { allows, canMove, isFinal, refusal, RUN_ACTIONS, RUN_STATUSES, type RunAction } from './runLifecycle.js';

/* The one table of statuses, transitions and actions, cell by cell. */

const ACTIONS: Record<RunStatus, RunAction[]> = {
  queued: ['cancel', 'delete', 'reorder', 'duplicate'],
  running: ['cancel', 'duplicate'],
  finished: ['delete', 'duplicate'],
  failed: ['retry', 'delete', 'duplicate'],
  cancelled: ['retry', 'delete', 'duplicate'],
};

const MOVES: Record<RunStatus, RunStatus[]> = {
  queued: ['running', 'cancelled'],
  running: ['queued', 'finished', 'failed', 'cancelled'],
  finished: [],
  failed: ['queued'],
  cancelled: ['queued'],
};

describe('the run lifecycle', () => {
  it('covers every status of the API', () => {
    expect([...RUN_STATUSES].sort()).toEqual([...RunStatusSchema.options].sort());
  });

  for (const status of RUN_STATUSES) {
    for (const action of RUN_ACTIONS) {
      const allowed = ACTIONS[status].includes(action);
      it(`${status} ${allowed ? 'allows' : 'refuses'} ${action}`, () => {
        expect(allows(status, action)).toBe(allowed);
        if (!allowed) expect(refusal(7, status, action)).toMatch(new RegExp(`^run 7 is ${status}; only an? [a-z, ]+ run can be \\w+`));
      });
    }
    for (const to of RUN_STATUSES) {
      const allowed = MOVES[status].includes(to);
      it(`${status} → ${to} is ${allowed ? 'allowed' : 'refused'}`, () => expect(canMove(status, to)).toBe(allowed));
    }
  }

  it('lets cancel work in every status that is not final, and in none that is', () => {
    for (const status of RUN_STATUSES) expect(allows(status, 'cancel')).toBe(!isFinal(status));
    expect(RUN_STATUSES.filter(isFinal)).toEqual(['finished', 'failed', 'cancelled']);
  });

  it('says which statuses allow an action, in one line', () => {
    expect(refusal(3, 'finished', 'cancel')).toBe('run 3 is finished; only a queued or running run can be cancelled');
    expect(refusal(3, 'queued', 'retry')).toBe('run 3 is queued; only a failed or cancelled run can be retried');
    expect(refusal(3, 'running', 'delete')).toBe(
      'run 3 is running; only a queued, finished, failed or cancelled run can be deleted (cancel it first)',
    );
    expect(refusal(3, 'failed', 'reorder')).toBe('run 3 is failed; only a queued run can be reordered');
  });
});
