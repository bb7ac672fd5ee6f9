import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { spawnNodeWorker, type WorkerProcess } from '../../src/service/trainerHost.js';
import { DATABASE_FILE } from '../../src/service/workbenchService.js';
import { nextEvent, openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* A training process that dies, and one that cannot start: each fails its run clearly, and the queue goes on. */

const dataDir = tempDir('wb-crash-');

it('a worker killed mid-run (SIGKILL) fails its run with the reason and output; the next run trains; no row is lost', async () => {
  const workers: WorkerProcess[] = [];
  const { service } = await openService({
    dataDir,
    autoStart: false,
    // A run naming a weights file that is not there: only the command line (a trusted caller) may name any path.
    acceptFilePaths: true,
    spawnWorker: (args) => {
      const w = spawnNodeWorker(args);
      workers.push(w);
      return w;
    },
  });
  const dataset = await service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [victim, next] = await service.createRuns({ base: tinyRun(dataset.id, { epochs: 3 }), vary: { seed: [1, 2] } });
  const [missingWeights] = await service.createRuns({
    base: tinyRun(dataset.id, {
      model: {
        preset: 'custom',
        custom: { nLayer: 2, nEmbd: 64, nHead: 4 },
        weights: 'pretrained',
        weightsFile: path.join(dataDir, 'absent.safetensors'),
      },
    }),
  });

  const progress = nextEvent(service, (e) => e.type === 'run-progress' && e.runId === victim.id && e.progress.step >= 3);
  service.startQueue();
  const seen = await progress;
  process.kill(workers[0].pid!, 'SIGKILL');
  await service.whenIdle();

  const failed = await service.getRun(victim.id);
  expect(failed.status).toBe('failed');
  expect(failed.error).toMatch(/^the training process was killed \(SIGKILL/);
  expect(failed.logTail).toMatch(/backend \w+/);
  expect((await service.getRun(next.id)).status).toBe('finished');

  const start = await service.getRun(missingWeights.id);
  expect(start.status).toBe('failed');
  expect(start.error).toMatch(/absent\.safetensors/);
  expect(start.error).not.toMatch(/training process/);

  const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // Every step the service heard of before the kill is in the database.
    const steps = db.prepare("SELECT max(step) FROM metrics WHERE run_id = ? AND kind = 'step'").pluck().get(victim.id) as number;
    expect(steps).toBeGreaterThanOrEqual(seen.type === 'run-progress' ? seen.progress.step : Infinity);
  } finally {
    db.close();
  }
});
