import { describe, expect, it } from 'vitest';
import type { RunProgress, RunSummary, WorkbenchEvent } from '../../common/api.js';
import { runSummary } from './runFixture.js';
import { applyRunEvent, moveInQueue, orderRuns, shiftInQueue } from './runList.js';

function summary(id: number, status: RunSummary['status'], queuePosition: number | null = null): RunSummary {
  return runSummary(id, { status, queuePosition });
}

const progress: RunProgress = {
  stage: 'training',
  message: '',
  step: 3,
  totalSteps: 10,
  epoch: 0,
  epochs: 1,
  examplesSeen: 24,
  loss: 0.5,
  tokensPerSecond: 100,
  etaSeconds: 7,
  fraction: 0.3,
};

describe('applyRunEvent', () => {
  it('patches the progress of a known run', () => {
    const runs = [summary(1, 'running'), summary(2, 'queued', 0)];
    const next = applyRunEvent(runs, { type: 'run-progress', runId: 1, progress });
    expect(next?.[0].progress).toEqual(progress);
    expect(next?.[1]).toBe(runs[1]);
    expect(runs[0].progress).toBeNull();
  });

  it('asks for a reload for an unknown run, a status change and the queue', () => {
    const runs = [summary(1, 'running')];
    expect(applyRunEvent(runs, { type: 'run-progress', runId: 9, progress })).toBeNull();
    expect(applyRunEvent(runs, { type: 'run-status', runId: 1, status: 'finished', error: null })).toBeNull();
    expect(applyRunEvent(runs, { type: 'runs-changed' })).toBeNull();
  });
});

describe('applyRunEvent on heartbeats', () => {
  const host = { state: 'training' as const, lastSeen: '2026-12-07T08:00:00Z', backend: null, device: null, version: '0.1.0' };

  it('keeps the same list while every host trains a run the table already places on it', () => {
    const runs = [runSummary(1, { status: 'running', host: 'gpu-box', hosts: ['gpu-box'] }), summary(2, 'queued', 0)];
    const beat: WorkbenchEvent = {
      type: 'hosts',
      hosts: [
        { ...host, name: 'gpu-box', run: 1 },
        { ...host, name: 'laptop', state: 'idle', run: null },
      ],
    };
    expect(applyRunEvent(runs, beat)).toBe(runs);
  });

  it('asks for a reload when a host trains a listed run the table places elsewhere', () => {
    const runs = [runSummary(1, { status: 'running', host: 'gpu-box', hosts: ['gpu-box'] })];
    expect(applyRunEvent(runs, { type: 'hosts', hosts: [{ ...host, name: 'laptop', run: 1 }] })).toBeNull();
    expect(applyRunEvent(runs, { type: 'hosts', hosts: [{ ...host, name: 'laptop', run: 7 }] })).toBe(runs);
  });
});

describe('orderRuns', () => {
  it('lists running, then the queue in order, then history newest first', () => {
    const runs = [summary(1, 'finished'), summary(2, 'queued', 1), summary(3, 'running'), summary(4, 'queued', 0), summary(5, 'failed')];
    expect(orderRuns(runs).map((r) => r.id)).toEqual([3, 4, 2, 5, 1]);
  });
});

describe('moveInQueue', () => {
  it('puts the dragged run in the target’s place', () => {
    expect(moveInQueue([1, 2, 3, 4], 4, 2)).toEqual([1, 4, 2, 3]);
    expect(moveInQueue([1, 2, 3, 4], 1, 3)).toEqual([2, 3, 1, 4]);
    expect(moveInQueue([1, 2, 3], 5, 1)).toEqual([1, 2, 3]);
  });
});

describe('shiftInQueue', () => {
  it('moves a run up or down, stopping at the ends', () => {
    expect(shiftInQueue([1, 2, 3], 3, -1)).toEqual([1, 3, 2]);
    expect(shiftInQueue([1, 2, 3], 1, 1)).toEqual([2, 1, 3]);
    expect(shiftInQueue([1, 2, 3], 1, -1)).toEqual([1, 2, 3]);
    expect(shiftInQueue([1, 2, 3], 3, 5)).toEqual([1, 2, 3]);
    expect(shiftInQueue([1, 2, 3], 9, 1)).toEqual([1, 2, 3]);
  });
});
