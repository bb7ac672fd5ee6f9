import type { RunSummary } from '../../common/api.js';
import { BOOK_RUN_CONFIG } from '../../common/runConfig.js';

/** A run as listRuns gives it, finished and with nothing measured: tests override what they look at. */
export function runSummary(id: number, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: `run ${id}`,
    status: 'finished',
    queuePosition: null,
    config: BOOK_RUN_CONFIG,
    datasetId: 'sms-spam-book',
    datasetName: 'SMS Spam',
    differences: '',
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    seconds: null,
    backend: null,
    parameters: null,
    accuracy: null,
    gap: null,
    progress: null,
    error: null,
    duplicateOf: null,
    resumedFromEpoch: null,
    restarts: 0,
    hasClassifier: false,
    intervals: null,
    gapIntervals: null,
    group: 'g0',
    splitKey: 's0',
    hasPredictions: false,
    tags: [],
    note: '',
    host: 'local',
    hosts: ['local'],
    wallSeconds: null,
    estimatedSeconds: null,
    ...over,
  };
}
