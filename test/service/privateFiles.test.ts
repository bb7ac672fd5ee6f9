import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/service/workbenchService.js';
import { openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* The data folder holds people's messages: its owner's only, folders 0700 and files 0600. */

const root = tempDir('wb-private-');
const mode = (file: string) => statSync(file).mode & 0o777;

/** Every folder and file under `dir` (itself included) with its mode, as `path: 0o…`. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': mode(dir).toString(8) };
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = mode(file).toString(8);
  }
  return out;
}

const expectPrivate = (dir: string) => {
  const found = modes(dir);
  for (const [file, m] of Object.entries(found)) {
    expect(m, file).toBe(statSync(path.join(dir, file)).isDirectory() ? '700' : '600');
  }
  return found;
};

it.skipIf(process.platform === 'win32')(
  'a new data folder: the database (and its -wal, -shm), data set copies, run logs, checkpoints and classifiers',
  async () => {
    const dataDir = path.join(root, 'new');
    // The umask of a shell that shares everything: the service sets its own.
    const saved = process.umask(0o002);
    try {
      const { service } = await openService({ dataDir, autoStart: false });
      const dataset = await service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
      await service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }) });
      service.startQueue();
      await service.whenIdle();
      const [run] = await service.listRuns();
      expect(run.status, run.error ?? '').toBe('finished');
      const found = expectPrivate(dataDir);
      for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, 'queue.lock', 'runs', 'runs/1/log.txt'])
        expect(found[file], file).toBeDefined();
      expect(Object.keys(found).filter((f) => f.startsWith('datasets/')).length).toBeGreaterThan(0);
      expect(Object.keys(found).filter((f) => f.startsWith('runs/1/checkpoints/')).length).toBeGreaterThan(0);
      expect(Object.keys(found).filter((f) => f.startsWith('runs/1/classifier/')).length).toBeGreaterThan(0);
      await service.close();
    } finally {
      process.umask(saved);
    }
  },
);

it.skipIf(process.platform === 'win32')('an existing folder of an older workbench is made private at the next start', async () => {
  const dataDir = path.join(root, 'old');
  mkdirSync(path.join(dataDir, 'runs', '1', 'checkpoints'), { recursive: true });
  mkdirSync(path.join(dataDir, 'datasets'));
  writeFileSync(path.join(dataDir, 'datasets', 'abc.csv'), 'label,text\n');
  writeFileSync(path.join(dataDir, 'runs', '1', 'log.txt'), 'an old log\n');
  writeFileSync(path.join(dataDir, 'runs', '1', 'checkpoints', 'checkpoint.json'), '{}');
  for (const d of ['', 'runs', 'runs/1', 'runs/1/checkpoints', 'datasets']) chmodSync(path.join(dataDir, d), 0o755);
  for (const f of ['datasets/abc.csv', 'runs/1/log.txt', 'runs/1/checkpoints/checkpoint.json']) chmodSync(path.join(dataDir, f), 0o644);

  const { service } = await openService({ dataDir, autoStart: false, log: () => {} });
  const found = expectPrivate(dataDir);
  expect(found['runs/1/checkpoints/checkpoint.json']).toBe('600');
  await service.close();
});
