import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchEvent } from '../../src/common/api.js';
import { Conflict } from '../../src/service/errors.js';
import { QueueLock } from '../../src/service/queueLock.js';
import { lastJson, REPO_ROOT, runWorkbench, smsSliceFlags, TINY_RUN_FLAGS } from '../support/cli.js';
import { openService } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* One process runs a data folder's queue: the one holding its lock, which the OS drops when the holder dies. */

const dir = tempDir('wb-lock-');
const TS_CHILD = path.join(REPO_ROOT, 'test/support/tsChild.mjs');
const TAKER = path.join(REPO_ROOT, 'test/support/lockTaker.ts');

type Reply = { ready?: boolean; won?: boolean; message?: string; released?: boolean };

/** The next IPC message of `child`. */
const reply = (child: ChildProcess) => new Promise<Reply>((resolve) => child.once('message', (m) => resolve(m as Reply)));

describe('four starters at the same instant', () => {
  const takers: ChildProcess[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) takers.push(fork(TS_CHILD, [TAKER], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    await Promise.all(takers.map(reply));
  });
  afterAll(() => takers.forEach((t) => t.kill('SIGKILL')));

  it('leave exactly one owner, 50 times out of 50; the others are told who holds the queue', async () => {
    for (let round = 0; round < 50; round++) {
      const folder = path.join(dir, `race-${round}`);
      mkdirSync(folder);
      const answers = takers.map(reply);
      for (const t of takers) t.send({ take: folder });
      const results = await Promise.all(answers);
      const winners = results.flatMap((r, i) => (r.won ? [takers[i]] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      for (const lost of results.filter((r) => !r.won)) {
        expect(lost.message).toMatch(/^the queue of .* is already being run by (process \d+|another process); stop it first$/);
      }
      const released = reply(winners[0]);
      winners[0].send({ release: true });
      await released;
    }
  });
});

it('four `queue run` started together: one trains the queue, the others refuse at once naming it', async () => {
  const data = path.join(dir, 'cli-race');
  lastJson(
    await runWorkbench(['runs', 'add', '--data', data, ...smsSliceFlags(dir, 'race.tsv'), ...TINY_RUN_FLAGS, '--epochs', '2', '--json']),
  );
  const runs = await Promise.all([0, 1, 2, 3].map(() => runWorkbench(['queue', 'run', '--data', data, '--json'])));
  const owners = runs.filter((r) => r.code === 0);
  expect(owners, runs.map((r) => r.stderr).join('\n')).toHaveLength(1);
  expect(lastJson(owners[0])).toEqual({ runs: [{ id: 1, name: expect.any(String) as unknown, status: 'finished', error: null }] });
  for (const refused of runs.filter((r) => r.code !== 0)) {
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^workbench: the queue of .* is already being run by process \d+; stop it first\n$/);
  }
});

/** The lock, taken as soon as it is free within `ms`; throws the refusal when it is not. */
async function takeWithin(folder: string, ms: number): Promise<QueueLock> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return QueueLock.take(folder);
    } catch (err) {
      if (!(err instanceof Conflict) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

// Linux: the zombie is seen in /proc.
it.skipIf(process.platform !== 'linux')(
  'a killed owner left a zombie (its parent does not reap it): the next starter takes the queue at once',
  async () => {
    const folder = path.join(dir, 'zombie');
    mkdirSync(folder);
    // sh starts the holder in the background, then becomes `sleep`, which never waits for its children.
    const parent = spawn('sh', ['-c', `"${process.execPath}" "${TS_CHILD}" "${TAKER}" "${folder}" & echo $!; exec sleep 120`], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let out = '';
      parent.stdout.setEncoding('utf8');
      await new Promise<void>((resolve) =>
        parent.stdout.on('data', (d: string) => {
          out += d;
          if (out.includes('held\n')) resolve();
        }),
      );
      const holder = Number(out.split('\n')[0]);
      expect(() => QueueLock.take(folder)).toThrow(new RegExp(`already being run by process ${holder}; stop it first`));

      process.kill(holder, 'SIGKILL');
      const state = () => readFileSync(`/proc/${holder}/stat`, 'utf8').split(') ')[1][0];
      const deadline = Date.now() + 5000;
      while (state() !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Still a process to `kill -0` (the old PID check's "alive"), but no lock.
      expect(state()).toBe('Z');
      expect(() => process.kill(holder, 0)).not.toThrow();

      // The leader shows Z while the kernel may still be ending its other threads, which close the files (and
      // so drop the lock) last: a few milliseconds, never the forever of a PID check.
      const lock = await takeWithin(folder, 2000);
      lock.release();
      const queueRun = await runWorkbench(['queue', 'run', '--data', folder, '--json']);
      expect(lastJson(queueRun)).toEqual({ runs: [] });
    } finally {
      parent.kill('SIGKILL');
    }
  },
);

it('a run added by another process starts at once in the idle owner, with no call to wake it', async () => {
  const data = path.join(dir, 'wake');
  const { service } = await openService({ dataDir: data });
  const events: WorkbenchEvent[] = [];
  service.onEvent((e) => events.push(e));
  const added = lastJson(
    await runWorkbench(['runs', 'add', '--data', data, ...smsSliceFlags(dir, 'wake.tsv'), ...TINY_RUN_FLAGS, '--epochs', '1', '--json']),
  ) as { runs: { id: number }[] };
  const addedAt = Date.now();
  const id = added.runs[0].id;
  while (!events.some((e) => e.type === 'run-status' && e.runId === id && e.status === 'running') && Date.now() - addedAt < 5000)
    await new Promise((r) => setTimeout(r, 20));
  // The owner looks every 500 ms.
  expect(Date.now() - addedAt).toBeLessThan(1500);
  await service.whenIdle();
  expect((await service.getRun(id)).status).toBe('finished');
});
