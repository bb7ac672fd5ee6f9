import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Attach, Hello, RemoteFile, RemoteJob, Report } from '../../common/hostProtocol.js';
import type { RunConfig } from '../../common/runConfig.js';
import type { WorkerJob } from '../../common/workerProtocol.js';
import { WorkbenchError } from '../../core/errors.js';
import { Conflict, NotFound } from '../errors.js';
import { checkHostName, type Heartbeat, type HostRegistry } from '../hosts.js';
import type { RunFolders } from '../runFiles.js';
import type { RunStore } from '../runStore.js';
import type { SpawnWorker } from '../trainerHost.js';
import type { TrainingHostsSettings } from '../trainingHosts.js';
import { bullConnection, queueNameFor } from './redis.js';
import { AttemptGone, RemoteRun, type RunDispatcher } from './remoteRun.js';

export interface CoordinatorOptions {
  store: RunStore;
  folders: RunFolders;
  hosts: HostRegistry;
  settings: TrainingHostsSettings;
  appVersion: string;
  log(line: string): void;
}

/** Settings key of a run's dispatch to training hosts: `{dispatch, attempt}`, so a restarted coordinator finds it again. */
const DISPATCH = 'remote.dispatch.';
/** A host heard from within this long (heartbeats come every 2 s) counts as room for one more run. */
export const LIVE_MS = 10_000;
/** How often the coordinator looks at the hosts and at the jobs of its runs. */
const WATCH_MS = 1000;

/** The stored data file a resolved config reads (datasets/<sha256><ext>), or null for a built-in set. */
function remoteFile(config: WorkerJob['config']): RemoteFile | null {
  const match = /^([0-9a-f]{64})(\.csv|\.tsv|\.txt)?$/.exec(path.basename(config.dataset.source));
  if (!path.isAbsolute(config.dataset.source) || !match) return null;
  return { sha256: match[1], ext: (match[2] ?? '') as RemoteFile['ext'] };
}

/**
 * The workbench that owns the data folder, as seen by training hosts: queued runs go, one per free host and in
 * queue order (the run queue asks `hostCount()` for room, so reorder and pause keep their meaning), to a BullMQ
 * queue named for this data folder; hosts attach to a run's job, report its training process over HTTP, and upload
 * its checkpoints and classifier into its run folder (routes.ts). Each remote run is a RemoteRun under the queue's
 * own supervisor, so its records, curves and events are those of a local run.
 */
export class Coordinator implements RunDispatcher {
  readonly queueName: string;
  private queue: Queue | null = null;
  private readonly runs = new Map<number, RemoteRun>();
  private readonly watcher: NodeJS.Timeout;
  private readonly stopListening: () => void;
  private liveHosts = 0;
  private watching = false;
  private reconnecting = Promise.resolve();
  /** Called when there may be room for another run (a host appeared): the run queue starts what it can. */
  onRoom: () => void = () => {};

  constructor(private readonly o: CoordinatorOptions) {
    this.queueName = queueNameFor(o.folders.databaseId);
    this.connect(o.settings.config().redisUrl);
    // One change at a time, each to the setting as it is then: changes in quick succession (a save, then the desktop
    // app's listener coming up) leave one connection, to the last URL.
    this.stopListening = o.settings.onChange(() => {
      this.reconnecting = this.reconnecting.then(async () => {
        await this.disconnect().catch((err: Error) => o.log(`training hosts: closing the Redis connection: ${err.message}`));
        this.connect(o.settings.config().redisUrl);
        this.onRoom();
      });
    });
    this.watcher = setInterval(() => void this.watch(), WATCH_MS);
    this.watcher.unref();
  }

  /** Whether runs go to training hosts (a Redis URL is set). */
  get enabled(): boolean {
    return this.queue !== null;
  }

  /** Whether this workbench trains runs too. */
  get trainHere(): boolean {
    return this.o.settings.config().trainHere;
  }

  /** Hosts heard from lately: how many runs may train on hosts at once. (One of another version refuses its run and stops.) */
  hostCount(): number {
    if (!this.enabled) return 0;
    const now = Date.now();
    return this.o.hosts.list().filter((h) => h.state !== 'stopped' && now - Date.parse(h.lastSeen) < LIVE_MS).length;
  }

  /** Runs a host trains (or will take) for this data folder: a restart of the queue attaches to them instead of queueing them again. */
  held(): number[] {
    if (!this.enabled) return [];
    return this.o.store.idsWithStatus('running').filter((id) => this.record(id) !== null);
  }

  /** The run queue's way to start a run on a host. */
  readonly spawn: SpawnWorker = ({ runId }) => {
    const record = this.record(runId) ?? { dispatch: randomBytes(16).toString('hex'), attempt: null };
    this.o.store.setSetting(`${DISPATCH}${runId}`, JSON.stringify(record));
    const run = new RemoteRun(this, runId, record.dispatch, record.attempt);
    this.runs.set(runId, run);
    return run;
  };

  hello(): Hello {
    return { queue: this.queueName, version: this.o.appVersion };
  }

  heartbeat(beat: Heartbeat): void {
    this.o.hosts.recordHeartbeat(beat);
    this.checkRoom();
  }

  attach(runId: number, a: Attach): { cancel: boolean } {
    checkHostName(a.host);
    if (a.version !== this.o.appVersion)
      throw new Conflict(
        `host ${a.host} runs workbench ${a.version}, this workbench is ${this.o.appVersion}: install the same version on both`,
      );
    return this.current(runId, a.dispatch).attach(a);
  }

  report(runId: number, r: Report): { cancel: boolean } {
    return this.current(runId, r.dispatch, r.attempt).report(r);
  }

  /** The run `runId` as a host with `dispatch` (and, for its uploads, `attempt`) may touch it now. */
  current(runId: number, dispatch: string, attempt?: string): RemoteRun {
    const run = this.runs.get(runId);
    if (run && run.dispatch === dispatch && (attempt === undefined || attempt === run.attempt)) return run;
    if (!run && this.o.store.statusOf(runId) === 'running' && this.record(runId)?.dispatch === dispatch) {
      // The coordinator has just started: the queue attaches to the run within moments.
      throw new NotReady(`run ${runId} is being taken up again by the workbench; try again`);
    }
    throw new AttemptGone(`run ${runId} is not yours to train: it ended, or another host trains it`);
  }

  /** The stored data file a running run reads, by its sha256; NotFound for any other. */
  datasetFile(sha256: string): RemoteFile {
    for (const run of this.runs.values()) {
      const file = run.job && remoteFile(run.job.config);
      if (file?.sha256 === sha256) return file;
    }
    throw new NotFound(`no running run reads a data file with sha256 ${sha256}`);
  }

  takes(config: RunConfig): boolean {
    return config.model.weightsFile === undefined;
  }

  async enqueue(run: RemoteRun, job: WorkerJob): Promise<void> {
    if (!this.takes(job.config))
      throw new WorkbenchError(
        `it names a weights file of this machine (${job.config.model.weightsFile}), and hosts take GPT-2's weights only from their own cache or the download: train it here (serve --train-here, or Train here too on the System page)`,
      );
    const data: RemoteJob = {
      runId: run.runId,
      dispatch: run.dispatch,
      version: this.o.appVersion,
      config: job.config,
      dataset: remoteFile(job.config),
    };
    if (data.dataset)
      data.config = { ...job.config, dataset: { ...job.config.dataset, source: `${data.dataset.sha256}${data.dataset.ext}` } };
    if (!this.queue) throw new Error('no Redis URL is set');
    await this.queue.add('run', data, { jobId: jobId(run), removeOnComplete: true, removeOnFail: 1000 });
  }

  async withdraw(run: RemoteRun): Promise<boolean> {
    const job = await this.queue?.getJob(jobId(run));
    if (!job || !(await job.isWaiting())) return false;
    await job.remove();
    return true;
  }

  attempted(run: RemoteRun): void {
    this.o.store.setSetting(`${DISPATCH}${run.runId}`, JSON.stringify({ dispatch: run.dispatch, attempt: run.attempt }));
  }

  tookOver(run: RemoteRun): void {
    this.o.store.addRestart(run.runId);
  }

  attachedHost(run: RemoteRun, host: string): void {
    this.o.hosts.recordRunHost(run.runId, host);
  }

  released(run: RemoteRun): void {
    if (this.runs.get(run.runId) === run) this.runs.delete(run.runId);
  }

  async close(): Promise<void> {
    clearInterval(this.watcher);
    this.stopListening();
    await this.reconnecting;
    await this.disconnect();
  }

  private connect(redisUrl: string | null): void {
    if (redisUrl === null) return;
    this.queue = new Queue(this.queueName, { connection: bullConnection(redisUrl) });
    // Redis gone for a while (restarted, the network): BullMQ reconnects by itself; each failure is not news.
    let said = false;
    this.queue.on('error', (err) => {
      if (!said) this.o.log(`training hosts: Redis: ${err.message} (reconnecting)`);
      said = true;
    });
  }

  private async disconnect(): Promise<void> {
    const queue = this.queue;
    this.queue = null;
    await queue?.close();
  }

  private record(runId: number): { dispatch: string; attempt: string | null } | null {
    const text = this.o.store.getSetting(`${DISPATCH}${runId}`);
    return text === null ? null : (JSON.parse(text) as { dispatch: string; attempt: string | null });
  }

  private checkRoom(): void {
    const live = this.hostCount();
    if (live > this.liveHosts) this.onRoom();
    this.liveHosts = live;
  }

  /** Hosts that appeared or went silent; jobs that BullMQ failed (stalled too often) or lost (a Redis without its data). */
  private async watch(): Promise<void> {
    this.checkRoom();
    // While Redis is away a look waits for it: one at a time.
    if (this.watching) return;
    this.watching = true;
    try {
      await this.watchJobs();
    } finally {
      this.watching = false;
    }
  }

  private async watchJobs(): Promise<void> {
    for (const run of [...this.runs.values()]) {
      if (!run.job || run.ended || !this.queue) continue;
      try {
        const state = await this.queue.getJobState(jobId(run));
        if (state === 'failed') {
          const job = await this.queue.getJob(jobId(run));
          run.fail(`the training hosts' queue gave the run up: ${job?.failedReason ?? 'it failed'}`);
          await job?.remove();
        } else if (state === 'unknown') await this.enqueue(run, run.job);
      } catch {
        // Redis cannot be reached now: the next look tries again.
      }
    }
  }
}

/** A host came while the coordinator was taking its runs up again: it tries again shortly (HTTP 503). */
export class NotReady extends Error {}

function jobId(run: RemoteRun): string {
  return `run-${run.runId}-${run.dispatch}`;
}
