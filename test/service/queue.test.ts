import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSummary, RunStatus, WorkbenchEvent } from '../../src/common/api.js';
import { Conflict, InvalidRequest, NotFound } from '../../src/service/errors.js';
import { DATABASE_FILE, type WorkbenchService } from '../../src/service/workbenchService.js';
import { errorOf } from '../support/errors.js';
import { nextEvent, openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* The queue end to end: a real database file, real training processes, the real SMS data (a slice). */

const dataDir = tempDir('wb-queue-');
let service: WorkbenchService;
let events: WorkbenchEvent[];
let dataset: DatasetSummary;

beforeAll(async () => {
  ({ service, events } = await openService({ dataDir, autoStart: false }));
  dataset = await service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
});

const statusOf = async (id: number): Promise<RunStatus> => (await service.getRun(id)).status;

describe('a grid of three small runs', () => {
  it('queues the cross product named after what differs, trains it in order, and records curves, evaluations and a classifier', async () => {
    const created = await service.createRuns({ base: tinyRun(dataset.id), vary: { trainable: ['all', 'last-1', 'head+norm'] } });
    expect(created.map((r) => r.name)).toEqual(['all', 'last-1', 'head+norm']);
    expect(created.every((r) => r.duplicateOf === null)).toBe(true);
    expect((await service.getQueueState()).queued).toEqual(created.map((r) => r.id));

    service.startQueue();
    await service.whenIdle();

    const started = events.filter((e) => e.type === 'run-status' && e.status === 'running').map((e) => (e as { runId: number }).runId);
    expect(started).toEqual(created.map((r) => r.id));
    expect(events.some((e) => e.type === 'run-progress')).toBe(true);
    expect(events.filter((e) => e.type === 'run-epoch')).toHaveLength(6);

    for (const { id } of created) {
      const run = await service.getRun(id);
      expect(run.status, run.error ?? '').toBe('finished');
      expect(run.backend).toBeTruthy();
      expect(run.labels).toEqual(['ham', 'spam']);
      expect(run.curves.epochs.map((p) => p.epoch)).toEqual([0, 1]);
      expect(run.curves.evals.length).toBeGreaterThan(0);
      for (const split of ['train', 'val', 'test'] as const) {
        const e = run.evaluation![split];
        expect(e.confusion.flat().reduce((a, b) => a + b, 0)).toBe(e.count);
        expect(e.accuracy).toBe(run.accuracy![split]);
      }
      expect(run.gap!.trainVal).toBeCloseTo(run.accuracy!.train - run.accuracy!.val, 12);
      expect(run.hasClassifier).toBe(true);
      expect(run.logTail).toContain('epoch 2:');
      expect(existsSync(path.join(dataDir, 'runs', String(id), 'classifier', 'classifier.json'))).toBe(true);
    }
    // The whole-model run learns the slice (random weights, 2 epochs): well above the 50% of a balanced guess.
    expect((await service.getRun(created[0].id)).accuracy!.train).toBeGreaterThan(0.8);

    // Per-step metrics are in the database file, one row per training step.
    const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      const steps = db.prepare("SELECT count(*) FROM metrics WHERE run_id = ? AND kind = 'step'").pluck().get(created[0].id);
      expect(steps).toBe((await service.getRun(created[0].id)).curves.epochs[1].step);
      expect(db.prepare('SELECT count(*) FROM evaluations').pluck().get()).toBe(9);
    } finally {
      db.close();
    }

    // Loading ahead (the tray popup does, as it opens) keeps the classifier for classify.
    await service.loadClassifier(created[0].id);
    const [prediction] = await service.classify(created[0].id, ['URGENT! You have won a 1 week FREE membership']);
    expect(['ham', 'spam']).toContain(prediction.label);
    expect(prediction.probabilities.ham + prediction.probabilities.spam).toBeCloseTo(1, 5);
    // The classify ran on the forward-only path the service reports (ONNX Runtime unless WORKBENCH_INFERENCE says tfjs).
    expect((await service.getSystemInfo()).inference).toBe(process.env.WORKBENCH_INFERENCE === 'tfjs' ? 'tfjs' : 'onnx');

    const comparison = await service.compareRuns(created.map((r) => r.id));
    expect(comparison.differences).toEqual([
      { field: 'trainable', values: [{ kind: 'all' }, { kind: 'last', blocks: 1 }, { kind: 'head+norm' }] },
    ]);
    expect(comparison.runs.map((r) => r.curves.epochs.length)).toEqual([2, 2, 2]);
  });

  it('marks a run with the same config and data as a duplicate of the first', async () => {
    await service.setQueuePaused(true);
    const [first] = await service.listRuns();
    const planned = await service.planRuns({ base: { ...tinyRun(dataset.id), trainable: 'all', name: 'again' } });
    expect(planned[0].duplicateOf).toBe(first.id);
    // Learnt from the three finished runs (tiny runs: mostly the process's start-up), so near what the first took.
    expect(planned[0].estimatedSeconds).toBeGreaterThan(first.seconds! / 3);
    expect(planned[0].estimatedSeconds).toBeLessThan(first.seconds! * 3);
    const [again] = await service.createRuns({ base: { ...tinyRun(dataset.id), name: 'again' } });
    expect(again).toMatchObject({ name: 'again', duplicateOf: first.id });
    await service.deleteRun(again.id);
  });
});

describe('queue operations', () => {
  it('reorders, cancels, retries, deletes and pauses', async () => {
    await service.setQueuePaused(true);
    const [a, b, c] = await service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }), vary: { seed: [1, 2, 3] } });
    expect([a.name, b.name, c.name]).toEqual(['seed 1', 'seed 2', 'seed 3']);
    expect((await service.reorderQueue([c.id, a.id])).queued).toEqual([c.id, a.id, b.id]);
    expect((await service.listRuns()).find((r) => r.id === c.id)!.queuePosition).toBe(0);

    await service.cancelRun(b.id);
    expect(await statusOf(b.id)).toBe('cancelled');
    expect(await errorOf(service.reorderQueue([b.id]))).toBeInstanceOf(Conflict);
    await service.retryRun(b.id);
    expect((await service.getQueueState()).queued).toEqual([c.id, a.id, b.id]);
    expect(await errorOf(service.retryRun(a.id))).toBeInstanceOf(Conflict);
    expect((await errorOf(service.loadClassifier(a.id))).message).toBe(`run ${a.id} is queued; only a finished run has a classifier`);

    await service.deleteRun(a.id);
    expect(await errorOf(service.getRun(a.id))).toBeInstanceOf(NotFound);

    // Paused: nothing starts. Resumed: c trains; cancelling it mid-run ends it as cancelled and b follows.
    await service.whenIdle();
    expect(await statusOf(c.id)).toBe('queued');
    const firstStep = nextEvent(service, (e) => e.type === 'run-progress' && e.runId === c.id && e.progress.step > 0);
    await service.setQueuePaused(false);
    await firstStep;
    expect(await errorOf(service.deleteRun(c.id))).toBeInstanceOf(Conflict);
    await service.cancelRun(c.id);
    await service.whenIdle();
    expect(await statusOf(c.id)).toBe('cancelled');
    expect(await statusOf(b.id)).toBe('finished');
  });
});

describe('tags, notes and copies', () => {
  it('are kept per run, tags sorted and unique; a copy is named after its source and what changed', async () => {
    const [first] = await service.listRuns();
    await service.setRunTags(first.id, ['dropout study', 'baseline', 'baseline']);
    await service.setRunNote(first.id, 'the reference run');
    expect(await service.getRun(first.id)).toMatchObject({ tags: ['baseline', 'dropout study'], note: 'the reference run' });
    expect((await errorOf(service.setRunTags(first.id, ['a,b']))).message).toMatch(/no commas/);
    expect(await errorOf(service.setRunNote(9999, 'x'))).toBeInstanceOf(NotFound);
    const planned = await service.planRuns({ base: { ...first.config, epochs: 3 }, copyOf: first.id });
    expect(planned.map((p) => p.name)).toEqual([`copy of #${first.id} · 3 epochs`]);
    expect(first.wallSeconds).toBeGreaterThanOrEqual(first.seconds! - 1);
  });
});

describe('invalid calls', () => {
  it('get InvalidRequest (or NotFound) with a one-line message, and change nothing', async () => {
    const before = (await service.listRuns()).length;
    const call = service as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    expect((await errorOf(call.getRun('7'))).message).toMatch(/^getRun: argument 1: /);
    expect(await errorOf(call.getRun(1, 2))).toBeInstanceOf(InvalidRequest);
    expect(await errorOf(call.createRuns({ base: {}, extra: 1 }))).toBeInstanceOf(InvalidRequest);
    expect((await errorOf(service.createRuns({ base: { ...tinyRun(dataset.id), dropout: 2 } }))).message).toMatch(/dropout/);
    expect((await errorOf(service.createRuns({ base: tinyRun('no-such-set') }))).message).toMatch(/unknown data set "no-such-set"/);
    expect((await errorOf(service.createRuns({ base: tinyRun(dataset.id, { trainable: 'last-5' }) }))).message).toMatch(
      /last 5 blocks: the model has 2/,
    );
    expect(await errorOf(service.createRuns({ base: tinyRun(dataset.id), vary: { trainable: ['sideways'] } }))).toBeInstanceOf(
      InvalidRequest,
    );
    const bad = { name: 'bad.csv', base64: Buffer.from('label,text\nham,hello\n,\nspam,win\n').toString('base64') };
    // A file that cannot be imported is not an invalid call: a failure the user can act on (HTTP 422).
    const refused = await errorOf(service.importDataset(bad, {}, 'bad'));
    expect([refused instanceof InvalidRequest, refused.message]).toEqual([
      false,
      expect.stringMatching(/^bad\.csv: 2 problems block the import/),
    ]);
    expect(await errorOf(service.getRun(9999))).toBeInstanceOf(NotFound);
    expect(await errorOf(service.deleteDataset('sms-spam-book'))).toBeInstanceOf(Conflict);
    expect((await service.listRuns()).length).toBe(before);
    expect((await service.listDatasets()).map((d) => d.id)).toEqual(['sms-spam-book', 'sms-spam', dataset.id]);
  });
});

describe('a disk without room for the checkpoints', () => {
  it('fails the run before it starts, with the free and needed space, and keeps every earlier record', async () => {
    const before = await service.listRuns();
    await service.close();
    // The real free space of this disk, measured, against a reserve no disk has.
    const { service: full } = await openService({ dataDir, diskReserveBytes: 2 ** 60 });
    const [run] = await full.createRuns({ base: tinyRun(dataset.id, { seed: 99 }) });
    await full.whenIdle();
    const failed = await full.getRun(run.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(
      /^not enough free disk space: [\d.]+ \w+ free in .*, the run's checkpoints need about [\d.]+ \w+ and 1024\.0 PB are kept free/,
    );
    const after = await full.listRuns();
    expect(after.filter((r) => r.id !== run.id)).toEqual(before);
  });
});
