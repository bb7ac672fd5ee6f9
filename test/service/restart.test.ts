import { expect, it } from 'vitest';
import type { WorkbenchService } from '../../src/service/workbenchService.js';
import { nextEvent, openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* The service stops mid-run (app quit) and starts again over the same data folder. */

const dataDir = tempDir('wb-restart-');

const stepOf = (service: WorkbenchService, runId: number, epoch: number) =>
  nextEvent(
    service,
    (e) => e.type === 'run-progress' && e.runId === runId && e.progress.stage === 'training' && e.progress.epoch === epoch,
  );

it('a run stopped after its first epoch resumes from the checkpoint and ends as an uninterrupted run of the same seed', async () => {
  const first = await openService({ dataDir });
  const dataset = await first.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [interrupted, uninterrupted] = await first.service.createRuns({
    base: tinyRun(dataset.id, { epochs: 3, seed: 5 }),
    vary: { name: ['interrupted', 'uninterrupted'] },
  });
  expect(uninterrupted.duplicateOf).toBe(interrupted.id);
  // A step of the second epoch: the first epoch's checkpoint is on disk.
  const startedAt = Date.now();
  await stepOf(first.service, interrupted.id, 1);
  const firstAttempt = (Date.now() - startedAt) / 1000;
  await first.service.close();

  const second = await openService({ dataDir });
  expect((await second.service.getQueueState()).running).toEqual([interrupted.id]);
  await second.service.whenIdle();
  const [a, b] = await Promise.all([second.service.getRun(interrupted.id), second.service.getRun(uninterrupted.id)]);
  expect(a).toMatchObject({ status: 'finished', resumedFromEpoch: 0, restarts: 1 });
  expect(a.logTail).toContain('resuming from the checkpoint after epoch 1');
  expect(b).toMatchObject({ status: 'finished', resumedFromEpoch: null, restarts: 0 });
  expect(a.curves.epochs.map((p) => p.epoch)).toEqual([0, 1, 2]);
  expect(a.curves).toEqual(b.curves);
  // The duration counts both attempts' training; the wall time spans the interruption too.
  expect(a.seconds).toBeGreaterThan(firstAttempt);
  expect(a.wallSeconds).toBeGreaterThanOrEqual(a.seconds! - 0.5);
  for (const split of ['train', 'val', 'test'] as const) {
    expect(a.evaluation![split].confusion).toEqual(b.evaluation![split].confusion);
    expect(a.evaluation![split].loss).toBeCloseTo(b.evaluation![split].loss, 6);
  }

  // Stopped before its first checkpoint, a run starts over, and says so.
  const [early] = await second.service.createRuns({ base: tinyRun(dataset.id, { epochs: 1, seed: 6 }) });
  await stepOf(second.service, early.id, 0);
  await second.service.close();
  const third = await openService({ dataDir });
  await third.service.whenIdle();
  expect(await third.service.getRun(early.id)).toMatchObject({ status: 'finished', resumedFromEpoch: null, restarts: 1 });
});
