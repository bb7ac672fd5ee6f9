import os from 'node:os';
import path from 'node:path';
import { WaitingError, Worker, type Job } from 'bullmq';
import { HelloSchema, RemoteJobSchema, type Hello } from '../../common/hostProtocol.js';
import { WorkbenchError } from '../../core/errors.js';
import type { SpawnWorker } from '../trainerHost.js';
import { CoordinatorClient, CoordinatorRefused } from './coordinatorClient.js';
import { HostedRun } from './hostedRun.js';
import { bullConnection, checkRedis } from './redis.js';

export interface TrainingHostOptions {
  redisUrl: string;
  /** The workbench (coordinator) `serve` printed: its origin; the token goes separately. */
  workbench: URL;
  token: string;
  name: string;
  /** This host's folder: data files by sha256, and the folders of the runs it trains. */
  dataDir: string;
  /** Base weights (GPT-2 downloads) are cached here. */
  cacheDir: string;
  version: string;
  /** BullMQ's lease on a job: a host silent for this long loses its run to another (default 30 s). */
  leaseMs: number;
  spawnWorker: SpawnWorker;
  say(line: string): void;
}

export interface TrainingHost {
  /** Stops taking runs; a run in training goes back to the queue (from its last uploaded checkpoint). */
  stop(reason: string): Promise<void>;
  /** The exit code, once stopped: 0, or 1 when a job of another workbench version was refused. */
  readonly stopped: Promise<number>;
}

const HEARTBEAT_MS = 2000;

/**
 * `workbench worker`: takes runs from the coordinator's BullMQ queue one at a time and trains each (HostedRun),
 * telling the coordinator what it does every few seconds. Checks the coordinator's token and Redis first, so a
 * wrong one is one clear line instead of retries forever.
 */
export async function startTrainingHost(o: TrainingHostOptions): Promise<TrainingHost> {
  const client = new CoordinatorClient(o.workbench, o.token, o.say);
  const hello = await greet(client);
  await checkRedis(o.redisUrl);
  let current: { runId: number; run: HostedRun } | null = null;
  let backend: string | null = null;
  let stopping: Promise<void> | null = null;
  let exitCode = 0;
  const runsDir = path.join(o.dataDir, 'host-runs', hello.queue);
  const datasetsDir = path.join(o.dataDir, 'host-datasets');

  const beat = (state: 'idle' | 'training' | 'stopped' = current ? 'training' : 'idle') =>
    client
      .call('POST', 'heartbeat', {
        name: o.name,
        state,
        run: current?.runId ?? null,
        backend,
        device: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}`,
        version: o.version,
      })
      .catch(() => undefined);

  const processor = async (job: Job, token?: string) => {
    const data = RemoteJobSchema.parse(job.data);
    const giveBack = async () => {
      await job.moveToWait(token);
      throw new WaitingError();
    };
    if (data.version !== o.version) {
      o.say(
        `refusing run ${data.runId}: this host runs workbench ${o.version}, the workbench at ${o.workbench.origin} runs ${data.version}; install the same version on both`,
      );
      exitCode = 1;
      void worker.pause(true);
      setImmediate(() => void stop('the refusal'));
      return giveBack();
    }
    if (stopping) return giveBack();
    const run = new HostedRun({
      client,
      job: data,
      host: o.name,
      version: o.version,
      runDir: path.join(runsDir, String(data.runId)),
      datasetsDir,
      cacheDir: o.cacheDir,
      spawnWorker: o.spawnWorker,
      say: o.say,
      onBackend: (b) => (backend = b),
    });
    current = { runId: data.runId, run };
    void beat();
    o.say(`run ${data.runId}: training`);
    try {
      const outcome = await run.run();
      if (outcome.kind === 'returned') {
        o.say(`run ${data.runId}: back in the queue`);
        return await giveBack();
      }
      if (outcome.kind === 'dropped') {
        o.say(`run ${data.runId}: dropped (${outcome.reason})`);
        return { dropped: outcome.reason };
      }
      const { code, signal } = outcome.exit;
      o.say(`run ${data.runId}: ended (${signal ?? `exit code ${code}`})`);
      return outcome.exit;
    } finally {
      current = null;
      void beat();
    }
  };

  const worker = new Worker(hello.queue, processor, {
    connection: bullConnection(o.redisUrl),
    concurrency: 1,
    lockDuration: o.leaseMs,
    stalledInterval: o.leaseMs,
    // A run survives a few hosts dying under it before the queue gives it up.
    maxStalledCount: 5,
    name: o.name,
  });
  let redisDown = false;
  worker.on('error', (err) => {
    if (!redisDown) o.say(`Redis: ${err.message} (reconnecting)`);
    redisDown = true;
  });
  worker.on('ready', () => (redisDown = false));
  const heartbeats = setInterval(() => void beat(), HEARTBEAT_MS);
  void beat();
  o.say(`host ${o.name} takes runs of the workbench at ${o.workbench.origin} (queue ${hello.queue})`);

  let resolveStopped: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));
  const stop = (reason: string) => {
    stopping ??= (async () => {
      o.say(`${reason}: stopping`);
      clearInterval(heartbeats);
      current?.run.interrupt(reason);
      await worker.close();
      await beat('stopped');
      resolveStopped(exitCode);
    })();
    return stopping;
  };
  return { stop, stopped };
}

/** The coordinator's queue and version, or one line saying why it cannot be used. */
async function greet(client: CoordinatorClient): Promise<Hello> {
  const where = client.base.origin;
  try {
    return HelloSchema.parse(await client.json('GET', 'hello'));
  } catch (err) {
    if (!(err instanceof CoordinatorRefused)) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new WorkbenchError(`cannot reach the workbench at ${where}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, {
        cause: err,
      });
    }
    if (err.status === 401)
      throw new WorkbenchError(`the workbench at ${where} refused the token: give --token the token \`serve\` printed`);
    if (err.status === 404) throw new WorkbenchError(`the workbench at ${where} takes no training hosts: start it with --redis URL`);
    throw new WorkbenchError(`the workbench at ${where} answered ${err.status}: ${err.message}`);
  }
}
