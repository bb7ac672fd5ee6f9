import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, RunStatus, WorkbenchEvent } from '../../src/common/api.js';
import { refusal, RUN_ACTIONS, type RunAction } from '../../src/common/runLifecycle.js';
import { Conflict } from '../../src/service/errors.js';
import type { WorkbenchService } from '../../src/service/workbenchService.js';
import { errorOf } from '../support/errors.js';
import { nextEvent, openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* The run lifecycle through the service: every status change checked by the one table and announced once. */

const dataDir = tempDir('wb-lifecycle-');
let service: WorkbenchService;
let events: WorkbenchEvent[];
let dataset: DatasetSummary;

beforeAll(async () => {
  ({ service, events } = await openService({ dataDir, autoStart: false }));
  dataset = await service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
});

const statusEvents = (id: number) =>
  events.filter((e) => e.type === 'run-status' && e.runId === id).map((e) => (e as { status: RunStatus }).status);

const act = (id: number, action: RunAction): Promise<unknown> => {
  switch (action) {
    case 'cancel':
      return service.cancelRun(id);
    case 'retry':
      return service.retryRun(id);
    case 'delete':
      return service.deleteRun(id);
    case 'reorder':
      return service.reorderQueue([id]);
    case 'duplicate':
      return service.getRun(id).then((run) => service.planRuns({ base: run.config, copyOf: id }));
  }
};

describe('cancel while a run is launching', () => {
  it('ends the run as cancelled before its training process starts, with one event per status', async () => {
    const [run] = await service.createRuns({ base: tinyRun(dataset.id, { seed: 1 }) });
    // `running` is announced as the run leaves the queue, before its process is prepared: cancel right then.
    const cancelled = new Promise<void>((resolve, reject) => {
      const off = service.onEvent((e) => {
        if (e.type === 'run-status' && e.runId === run.id && e.status === 'running') {
          off();
          service.cancelRun(run.id).then(resolve, reject);
        }
      });
    });
    service.startQueue();
    await cancelled;
    await service.whenIdle();
    expect((await service.getRun(run.id)).status).toBe('cancelled');
    expect(statusEvents(run.id)).toEqual(['running', 'cancelled']);
    // No training process ran: it would have written the run's log.
    expect(existsSync(path.join(dataDir, 'runs', String(run.id), 'log.txt'))).toBe(false);
    await service.setQueuePaused(true);
  });
});

describe('cancel from a process that does not own the queue', () => {
  it('is handed to the owner through the database, which stops the run', async () => {
    const { service: other } = await openService({ dataDir, autoStart: false });
    const [run] = await service.createRuns({ base: tinyRun(dataset.id, { seed: 2, epochs: 20 }) });
    const training = nextEvent(service, (e) => e.type === 'run-progress' && e.runId === run.id && e.progress.step > 0);
    await service.setQueuePaused(false);
    await training;
    await other.cancelRun(run.id);
    await service.whenIdle();
    expect((await service.getRun(run.id)).status).toBe('cancelled');
    expect(statusEvents(run.id)).toEqual(['running', 'cancelled']);
    await service.setQueuePaused(true);
  });
});

describe('each action in each status', () => {
  it('is done when the table allows it, and refused with its words (409) when not', async () => {
    await service.setQueuePaused(true);
    const [queued] = await service.createRuns({ base: tinyRun(dataset.id, { seed: 3 }) });
    const cancelledId = (await service.listRuns()).find((r) => r.status === 'cancelled')!.id;
    for (const [id, status] of [
      [queued.id, 'queued'],
      [cancelledId, 'cancelled'],
    ] as const) {
      for (const action of RUN_ACTIONS) {
        const allowed = { queued: ['cancel', 'delete', 'reorder', 'duplicate'], cancelled: ['retry', 'delete', 'duplicate'] }[status];
        if (allowed.includes(action) || action === 'delete' || action === 'cancel' || action === 'retry') continue;
        const err = await errorOf(act(id, action));
        expect(err).toBeInstanceOf(Conflict);
        expect(err.message).toBe(refusal(id, status, action));
      }
    }
    // Allowed: queued → reordered, then cancelled; cancelled → retried (queued again), then deleted.
    await act(queued.id, 'reorder');
    await act(queued.id, 'duplicate');
    await act(queued.id, 'cancel');
    expect((await errorOf(act(queued.id, 'cancel'))).message).toBe(refusal(queued.id, 'cancelled', 'cancel'));
    expect((await errorOf(act(queued.id, 'reorder'))).message).toBe(refusal(queued.id, 'cancelled', 'reorder'));
    await act(queued.id, 'retry');
    expect((await errorOf(act(queued.id, 'retry'))).message).toBe(refusal(queued.id, 'queued', 'retry'));
    await act(queued.id, 'delete');
    expect(statusEvents(queued.id)).toEqual(['cancelled', 'queued']);
  });
});
