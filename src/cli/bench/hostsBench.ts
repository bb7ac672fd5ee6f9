import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunGrid } from '../../common/api.js';
import { WorkbenchError } from '../../core/errors.js';
import { newAccessToken } from '../../service/http/accessToken.js';
import { startHttpServer } from '../../service/http/server.js';
import { createWorkbenchService, type WorkbenchServiceOptions } from '../../service/workbenchService.js';
import { NO_REDIS_SERVER, redisServerBinary, startLocalRedis } from '../localRedis.js';

/*
 * `bench --hosts` (issue: two hosts finish a 4-run grid in ≤ 0.6× one host's time): the same four runs (one
 * setting, four training seeds) trained three times, each on a fresh data folder — here, by this workbench's own
 * trainer; through Redis by one `workbench worker`; by two — every trainer on one thread. The coordinator's
 * overhead per run (dispatch, the data set's fetch, progress, checkpoint and classifier uploads, records) is what
 * one host takes beyond training here, per run.
 */

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/workbench.mjs');

/** One thread per trainer: tfjs training on one thread, and tfjs rather than ONNX Runtime (which takes every core) for evaluation. */
const ONE_THREAD = { WORKBENCH_TRAIN_THREADS: '1', WORKBENCH_INFERENCE: 'tfjs' };

const MODELS = {
  full: { preset: 'custom', custom: { nLayer: 4, nEmbd: 128, nHead: 4, nPositions: 256 }, weights: 'random' },
  quick: { preset: 'custom', custom: { nLayer: 1, nEmbd: 32, nHead: 2, nPositions: 64 }, weights: 'random' },
} as const;

function grid(quick: boolean): RunGrid {
  return {
    base: {
      dataset: { source: 'sms-spam-book' },
      model: quick ? MODELS.quick : MODELS.full,
      pooling: 'last-token',
      trainable: 'all',
      learningRate: 5e-4,
      epochs: 1,
      maxLength: quick ? 32 : 128,
      evalEvery: 50,
      evalBatches: 2,
    },
    repeats: 4,
  };
}

export interface GridTime {
  /** From queueing the grid to the last run's end. */
  seconds: number;
  /** Each run's training time as its record gives it. */
  runSeconds: number[];
}

export async function hostsBench(cacheDir: string | undefined, note: (text: string) => void, { quick = false } = {}) {
  if (redisServerBinary() === null) throw new WorkbenchError(`bench --hosts starts a Redis of its own: ${NO_REDIS_SERVER}`);
  const saved = Object.fromEntries(Object.keys(ONE_THREAD).map((k) => [k, process.env[k]]));
  // The training processes of this workbench inherit them, as the hosts get them.
  Object.assign(process.env, ONE_THREAD);
  const redis = await startLocalRedis({ durable: false });
  try {
    const runs = grid(quick);
    note('hosts: the grid trained here, one run at a time');
    const here = await timeGrid(runs, cacheDir, null, 0, note);
    note(`hosts: ${here.seconds} s; now through Redis by one host`);
    const one = await timeGrid(runs, cacheDir, redis.url, 1, note);
    note(`hosts: ${one.seconds} s; now by two hosts`);
    const two = await timeGrid(runs, cacheDir, redis.url, 2, note);
    return {
      runs: 4,
      model: quick ? 'custom:1,32,2 (quick)' : 'custom:4,128,4',
      here,
      oneHost: one,
      twoHosts: two,
      twoHostsOverOne: round(two.seconds / one.seconds, 3),
      overheadPerRunSeconds: round((one.seconds - here.seconds) / 4, 2),
    };
  } finally {
    await redis.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Queues the grid on a fresh data folder and times it to the end: trained here (hosts 0), or by `hosts` workers through `redisUrl`. */
async function timeGrid(
  runs: RunGrid,
  cacheDir: string | undefined,
  redisUrl: string | null,
  hosts: number,
  note: (text: string) => void,
): Promise<GridTime> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'workbench-bench-hosts-'));
  const options: WorkbenchServiceOptions = { dataDir: path.join(tmp, 'data'), cacheDir, log: note, hostListener: 'server' };
  if (redisUrl) options.redis = { redisUrl, source: 'flag', trainHere: false };
  const service = await createWorkbenchService(options);
  const token = newAccessToken();
  const server = await startHttpServer({
    service,
    port: 0,
    token,
    rendererDir: path.join(tmp, 'no-app'),
    hostRoutes: service.hostRoutes,
    log: note,
  });
  const workers = Array.from({ length: hosts }, (_, i) => startWorker(redisUrl!, server.origin, token, `host-${i + 1}`, tmp, cacheDir));
  try {
    await until(async () => (await service.listHosts()).filter((h) => h.state === 'idle').length === hosts, workers);
    const started = performance.now();
    const ids = (await service.createRuns(runs)).map((r) => r.id);
    await until(
      async () => (await service.listRuns()).every((r) => !ids.includes(r.id) || ['finished', 'failed', 'cancelled'].includes(r.status)),
      workers,
    );
    const seconds = (performance.now() - started) / 1000;
    const records = (await service.listRuns()).filter((r) => ids.includes(r.id));
    const failed = records.find((r) => r.status !== 'finished');
    if (failed) throw new WorkbenchError(`bench: run ${failed.id} ${failed.status}: ${failed.error}`);
    return { seconds: round(seconds, 1), runSeconds: records.map((r) => round(r.seconds ?? NaN, 1)) };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await server.close();
    await service.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

interface Worker {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `workbench worker` as a user starts it, with its own data folder and the bench's cache, on one thread. */
function startWorker(redisUrl: string, origin: string, token: string, name: string, tmp: string, cacheDir: string | undefined): Worker {
  const args = [
    BIN,
    'worker',
    '--redis',
    redisUrl,
    '--workbench',
    origin,
    '--token',
    token,
    '--name',
    name,
    '--data',
    path.join(tmp, name),
  ];
  const env = { ...process.env, ...ONE_THREAD, ...(cacheDir ? { WORKBENCH_CACHE_DIR: cacheDir } : {}) };
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `done` until it holds; a worker that exits meanwhile fails the bench with what it said. */
async function until(done: () => Promise<boolean>, workers: Worker[]): Promise<void> {
  while (!(await done())) {
    const gone = workers.find((w) => w.child.exitCode !== null);
    if (gone) throw new WorkbenchError(`bench: a worker exited (${gone.child.exitCode}): ${gone.output().trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
