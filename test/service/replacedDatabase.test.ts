import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { RUN_FOLDER_STAMP } from '../../src/service/runFiles.js';
import { DATABASE_FILE } from '../../src/service/workbenchService.js';
import { nextEvent, openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* A data folder knows its database: a new one never adopts the run folders of the one it replaced. */

const root = tempDir('wb-replaced-');
const dataDir = path.join(root, 'data');

/** Every file under `dir` with its size, mtime and sha256: what "untouched" means. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const s = statSync(file);
    out[path.relative(dir, file)] = `${s.size} ${s.mtimeMs} ${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
  }
  return out;
}

const moveDatabaseAway = (to: string) => {
  mkdirSync(to, { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      renameSync(path.join(dataDir, DATABASE_FILE + suffix), path.join(to, DATABASE_FILE + suffix));
    } catch {
      // No -wal or -shm after a clean close.
    }
  }
};

it('a new database after the old one was moved away starts its run 1 afresh; the old run folders stay as they were', async () => {
  // The old database: run 1 interrupted after its first epoch, so its folder holds a checkpoint to resume from.
  const old = await openService({ dataDir });
  const oldSet = await old.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [oldRun] = await old.service.createRuns({ base: tinyRun(oldSet.id, { epochs: 2, seed: 5 }) });
  expect(oldRun.id).toBe(1);
  await nextEvent(
    old.service,
    (e) => e.type === 'run-progress' && e.runId === 1 && e.progress.stage === 'training' && e.progress.epoch === 1,
  );
  await old.service.close();
  const oldRuns = path.join(dataDir, 'runs');
  expect(readdirSync(path.join(oldRuns, '1', 'checkpoints')).length).toBeGreaterThan(0);
  const before = snapshot(oldRuns);

  moveDatabaseAway(path.join(root, 'old-database'));
  const said: string[] = [];
  const fresh = await openService({ dataDir, log: (line) => said.push(line) });
  expect(said).toEqual([
    expect.stringMatching(
      /^.*\/runs holds 1 run folder of another workbench database \(this one is new\); they were left untouched, and this database keeps its runs in .*\/runs-[0-9a-f]{8}$/,
    ),
  ]);
  const set = await fresh.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [run] = await fresh.service.createRuns({ base: tinyRun(set.id, { epochs: 2, seed: 5 }) });
  expect(run.id).toBe(1);
  await fresh.service.whenIdle();
  const trained = await fresh.service.getRun(1);
  expect(trained).toMatchObject({ status: 'finished', resumedFromEpoch: null, restarts: 0 });
  expect(trained.logTail).not.toContain('resuming');
  expect(trained.logTail.match(/training process \d+ started/g)).toHaveLength(1);
  expect(snapshot(oldRuns)).toEqual(before);

  // A folder of the same number that this database did not make is refused, named, and left alone.
  const newRuns = readdirSync(dataDir).find((n) => n.startsWith('runs-'))!;
  const foreign = path.join(dataDir, newRuns, '2');
  mkdirSync(foreign);
  writeFileSync(path.join(foreign, RUN_FOLDER_STAMP), 'another-database\n');
  writeFileSync(path.join(foreign, 'log.txt'), 'an old log\n');
  const [second] = await fresh.service.createRuns({ base: tinyRun(set.id, { epochs: 1, seed: 6 }) });
  await fresh.service.whenIdle();
  expect(second.id).toBe(2);
  expect((await fresh.service.getRun(2)).error).toBe(
    `${foreign} belongs to another workbench database (holds database-id, log.txt); it was left untouched — move it away to train run 2`,
  );
  expect(readFileSync(path.join(foreign, 'log.txt'), 'utf8')).toBe('an old log\n');
  await fresh.service.close();

  // Emptied to 0 bytes (accepted as a new database): the same, the folders of both earlier databases left as they were.
  for (const suffix of ['-wal', '-shm']) rmSync(path.join(dataDir, DATABASE_FILE + suffix), { force: true });
  truncateSync(path.join(dataDir, DATABASE_FILE), 0);
  const again: string[] = [];
  const emptied = await openService({ dataDir, log: (line) => again.push(line) });
  expect(again).toEqual([expect.stringMatching(/runs holds 1 run folder of another workbench database/)]);
  expect(await emptied.service.listRuns()).toEqual([]);
  expect(snapshot(oldRuns)).toEqual(before);
});
