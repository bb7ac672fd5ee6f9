import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { QueueState, WorkbenchEvent } from '../common/api.js';
import type { RunConfig } from '../common/runConfig.js';
import { bytesNeeded, checkFreeSpace } from './diskSpace.js';
import type { DatasetCatalog } from './datasets.js';
import { Conflict, NotFound } from './errors.js';
import { LOCAL_HOST } from './hosts.js';
import { QueueLock } from './queueLock.js';
import type { PrefixStoreSettings } from './prefixStoreSettings.js';
import type { RunFolders } from './runFiles.js';
import { RunSupervisor, type RunEnd } from './runSupervisor.js';
import { storageMessage } from './storageErrors.js';
import type { RunRow, RunStore } from './runStore.js';
import { prefixKeep, queuedRun } from '../core/train/prefixReuse.js';
import { KEEP_NOTHING, type PrefixKeep } from '../core/train/prefixStore.js';
import type { SpawnWorker } from './trainerHost.js';

export interface QueueOptions {
  store: RunStore;
  datasets: DatasetCatalog;
  dataDir: string;
  folders: RunFolders;
  cacheDir: string | undefined;
  prefixStore: PrefixStoreSettings;
  spawnWorker: SpawnWorker;
  concurrency: number;
  diskReserveBytes: number;
  emit(event: WorkbenchEvent): void;
  /** Where failures that reach no caller are reported (a run whose end could not be recorded). */
  log?(line: string): void;
  /** Training hosts (remote/coordinator.ts): runs go to them too, or only to them unless this workbench trains here. */
  remote?: RemoteHosts;
}

/** What the queue needs of the training hosts' coordinator. */
export interface RemoteHosts {
  /** A Redis URL is set: runs may go to hosts. */
  readonly enabled: boolean;
  /** This workbench trains runs too (`concurrency` at a time). */
  readonly trainHere: boolean;
  /** How many runs hosts may train at once now (one per live host). */
  hostCount(): number;
  /** Running runs a host still holds: a start of the queue attaches to them rather than queueing them again. */
  held(): number[];
  /** Whether hosts can train a run of these settings (not one naming a file of this machine). */
  takes(config: RunConfig): boolean;
  /** Starts a run on a host: a "training process" whose messages come from the host that takes it. */
  spawn: SpawnWorker;
  /** Set by the queue: called when a host appears, so a queued run can start on it. */
  onRoom: () => void;
}

/** Where a run trains: in a process of this workbench, or on a training host. */
type Place = 'local' | 'remote';

const PAUSED = 'queue.paused';
/** How often, and how many times, a run's failure that the database refused is written again. */
const RECORD_RETRY_MS = 2000;
const RECORD_RETRIES = 150;
/** How often the queue's owner looks for runs added (or cancels asked for) by other processes. */
const WATCH_MS = 500;

/**
 * The persistent run queue: starts queued runs in order, `concurrency` at a time, each in its own
 * training process, and records how each ended. The database is the queue, so it survives restarts.
 * One process at a time runs a data folder's queue: the one holding its lock (queueLock.ts).
 */
export class RunQueue {
  private readonly active = new Map<number, RunSupervisor>();
  private lock: QueueLock | null = null;
  private closing = false;
  /** Runs between leaving the queue and their process starting (preparing, checking the disk). */
  private readonly launching = new Set<number>();
  /** Launching runs whose cancel was asked for: they end as cancelled instead of starting. */
  private readonly cancelledLaunches = new Set<number>();
  private watcher: NodeJS.Timeout | null = null;
  private seenVersion = 0;
  private readonly launches = new Set<Promise<void>>();
  /** Where each launching or active run trains. */
  private readonly places = new Map<number, Place>();
  private idleWaiters: (() => void)[] = [];
  lastBackend: string | null = null;

  constructor(private readonly o: QueueOptions) {
    if (o.remote) o.remote.onRoom = () => this.pump();
  }

  get paused(): boolean {
    return this.o.store.getSetting(PAUSED) === '1';
  }

  state(): QueueState {
    return {
      paused: this.paused,
      running: [...new Set([...this.launching, ...this.active.keys()])],
      queued: this.o.store.queuedIds(),
      concurrency: (this.trainsHere ? this.o.concurrency : 0) + (this.o.remote?.hostCount() ?? 0),
    };
  }

  progressOf(id: number) {
    return this.active.get(id)?.progress ?? null;
  }

  private get started(): boolean {
    return this.lock !== null;
  }

  /**
   * Takes the queue over for this process (throws Conflict when another holds its lock): runs left
   * `running` by a process that is gone go back to the head of the queue (they resume from their
   * checkpoints), those a training host still trains are followed again, then training starts, and runs
   * other processes add start as soon as they are added.
   */
  start(): void {
    if (this.started || this.closing) return;
    this.lock = QueueLock.take(this.o.dataDir);
    this.seenVersion = this.o.store.dataVersion();
    const held = this.o.remote?.held() ?? [];
    this.o.store.requeueInterrupted(held);
    for (const id of held) {
      this.launching.add(id);
      this.startLaunch(id, 'remote');
    }
    this.watcher = setInterval(() => this.watch(), WATCH_MS);
    this.watcher.unref();
    this.pump();
  }

  /** Another process committed to the database (added runs, asked for a cancel): act on it now. */
  private watch(): void {
    try {
      const version = this.o.store.dataVersion();
      if (version === this.seenVersion) return;
      this.seenVersion = version;
      for (const id of this.o.store.cancelRequests()) {
        if (!this.cancel(id)) this.o.store.clearCancelRequest(id);
      }
      this.o.emit({ type: 'runs-changed' });
      this.changed();
      this.pump();
    } catch {
      // The database cannot be read now (busy, damaged): the next look tries again.
    }
  }

  setPaused(paused: boolean): void {
    this.o.store.setSetting(PAUSED, paused ? '1' : null);
    this.changed();
    this.pump();
  }

  /**
   * Cancels a running run: its training process is asked to stop, or, still being prepared, it ends as
   * cancelled instead of starting. A run another process trains is asked for through the database (its
   * owner acts within a second); one left `running` by a process that is gone ends as cancelled at once.
   * False when no such run is running.
   */
  cancel(id: number): boolean {
    const run = this.active.get(id);
    if (run) {
      run.cancel();
      return true;
    }
    if (this.launching.has(id)) {
      this.cancelledLaunches.add(id);
      return true;
    }
    if (this.o.store.statusOf(id) !== 'running') return false;
    if (!this.started && QueueLock.isHeld(this.o.dataDir)) this.o.store.requestCancel(id);
    else this.o.store.end(id, 'cancelled', null, null, null, 'running');
    return true;
  }

  /** Resolves when nothing trains and nothing more will start (queue empty, paused, or not started). */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(finishRunning: boolean): Promise<void> {
    this.closing = true;
    if (this.watcher) clearInterval(this.watcher);
    if (!finishRunning) for (const run of this.active.values()) run.stop();
    // A launch lasts until its run has ended (or, while closing, until it gives up before spawning).
    await Promise.all([...this.launches]);
    // Settle whatever the exits triggered before the database closes.
    await new Promise((resolve) => setImmediate(resolve));
    this.lock?.release();
    this.notifyIdle();
  }

  /** Starts queued runs while there is room (here, or on a training host that has none). */
  pump(): void {
    if (!this.started || this.closing || this.paused) return this.notifyIdle();
    for (;;) {
      const next = this.o.store.queuedIds()[0];
      const place = next === undefined ? null : this.room(next);
      if (next === undefined || place === null) break;
      // Launching before it is announced as running, so that a cancel on hearing it finds it here.
      this.launching.add(next);
      try {
        // A host records itself when it takes the run.
        this.o.store.markRunning(next, place === 'local' ? LOCAL_HOST : null);
      } catch (err) {
        this.launching.delete(next);
        // Cancelled or deleted by another process between the two reads: take the next one.
        if (err instanceof NotFound || err instanceof Conflict) continue;
        throw err;
      }
      this.startLaunch(next, place);
    }
    this.notifyIdle();
  }

  private get trainsHere(): boolean {
    return !this.o.remote?.enabled || this.o.remote.trainHere;
  }

  /** What a starting run keeps in the prefix store for the runs queued after it (prefixReuse.ts). */
  private keepFor(row: RunRow): PrefixKeep {
    const run = queuedRun(row.config, row.datasetHash);
    if (!run) return KEEP_NOTHING;
    const later = this.o.store.queuedIds().flatMap((id) => {
      const r = this.o.store.get(id);
      const q = r && queuedRun(r.config, r.datasetHash);
      return q ? [q] : [];
    });
    return prefixKeep(run, later);
  }

  /** Where run `id` may start now, or null when there is no room for it. */
  private room(id: number): Place | null {
    const count = (place: Place) => [...this.places.values()].filter((p) => p === place).length;
    const remote = this.o.remote;
    if (this.trainsHere && count('local') < this.o.concurrency) return 'local';
    if (!remote?.enabled || count('remote') >= remote.hostCount()) return null;
    // One that hosts cannot train waits for room here when there is a here; else the host's refusal says why.
    return !this.trainsHere || remote.takes(this.o.store.get(id)!.config) ? 'remote' : null;
  }

  private startLaunch(id: number, place: Place): void {
    this.places.set(id, place);
    const launch = this.launch(id, place)
      .catch((err: unknown) => this.launchFailed(id, err))
      .finally(() => {
        this.places.delete(id);
        this.launches.delete(launch);
        try {
          this.pump();
        } catch (err) {
          this.o.log?.(storageMessage(err, 'starting the next queued run'));
        }
      });
    this.launches.add(launch);
  }

  private async launch(id: number, place: Place): Promise<void> {
    const { store, datasets } = this.o;
    const row = store.get(id)!;
    let job;
    let paths;
    try {
      const config = datasets.resolve(row.config);
      paths = this.o.folders.claim(id);
      await mkdir(paths.checkpoints, { recursive: true });
      const trainable = row.parameters?.trainable ?? datasets.parameters(config, row.datasetId).trainable;
      await checkFreeSpace(paths.dir, bytesNeeded(config, trainable), this.o.diskReserveBytes);
      job = {
        runId: id,
        config,
        checkpointDir: paths.checkpoints,
        classifierDir: paths.classifier,
        cacheDir: this.o.cacheDir,
        prefixStore: { ...this.o.prefixStore.job(), keep: this.keepFor(row) },
      };
    } catch (err) {
      this.launching.delete(id);
      return this.ended(
        id,
        this.cancelledLaunches.delete(id) ? { kind: 'cancelled' } : { kind: 'failed', error: (err as Error).message },
        [],
        null,
      );
    }
    if (this.cancelledLaunches.delete(id)) {
      this.launching.delete(id);
      return this.ended(id, { kind: 'cancelled' }, [], null);
    }
    // Shutting down while this run was being prepared: it stays `running` and resumes on the next start.
    if (this.closing) return void this.launching.delete(id);
    const started = Date.now();
    const spawn = place === 'remote' ? this.o.remote!.spawn : this.o.spawnWorker;
    const supervisor = new RunSupervisor(spawn({ runId: id, env: {} }), job, paths.log, {
      onReady: (backend) => {
        this.lastBackend = backend;
        store.setBackend(id, backend);
      },
      onResuming: (epoch, step) => store.markResuming(id, epoch, step),
      onProgress: (progress) => this.o.emit({ type: 'run-progress', runId: id, progress }),
      onMetrics: (rows) => {
        store.addMetrics(rows);
        store.setSeconds(id, (row.seconds ?? 0) + (Date.now() - started) / 1000);
      },
      onPoint: (m) =>
        this.o.emit(m.type === 'eval' ? { type: 'run-eval', runId: id, point: m.point } : { type: 'run-epoch', runId: id, point: m.point }),
    });
    this.active.set(id, supervisor);
    this.launching.delete(id);
    this.changed();
    const end = await supervisor.ended;
    this.active.delete(id);
    this.ended(id, end, supervisor.tail, (row.seconds ?? 0) + (Date.now() - started) / 1000);
  }

  private ended(id: number, end: RunEnd, tail: string[], seconds: number | null): void {
    const { store } = this.o;
    const outputTail = tail.length ? tail.join('\n') : null;
    try {
      switch (end.kind) {
        case 'finished':
          store.finish(id, end.result, seconds ?? 0, path.relative(this.o.dataDir, this.o.folders.paths(id).classifier));
          break;
        case 'failed':
          store.end(id, 'failed', end.error, outputTail, seconds);
          break;
        case 'cancelled':
          store.end(id, 'cancelled', null, outputTail, seconds);
          break;
        case 'interrupted':
          // Left `running`: the next start of the queue resumes it from its checkpoint, and adds to its training time.
          if (seconds !== null) store.setSeconds(id, seconds);
          break;
      }
    } catch (err) {
      // Deleted, or ended by another process meanwhile: its record says what became of it.
      if (!(err instanceof NotFound || err instanceof Conflict)) throw err;
    }
    this.changed();
  }

  /**
   * A launch that threw (the database could not record how the run ended: a full disk, a damaged file): the run
   * is failed if that can still be written, and said to the clients either way; nothing reaches the process.
   */
  private launchFailed(id: number, err: unknown): void {
    this.launching.delete(id);
    this.active.delete(id);
    const error = storageMessage(err, `recording how run ${id} ended`);
    this.o.log?.(error);
    this.recordFailure(id, error, 0);
    try {
      this.changed();
    } catch {
      // The queue's state cannot be read now; the next change says it.
    }
  }

  /**
   * Records run `id` as failed. When the database refuses even that (the disk still full), the clients hear it
   * now and the write is tried again every few seconds, until it succeeds or the service closes (the run is
   * then still `running`, and resumes from its checkpoint at the next start).
   */
  private recordFailure(id: number, error: string, attempt: number): void {
    try {
      this.o.store.end(id, 'failed', error, null, null);
    } catch (err) {
      if (err instanceof NotFound || err instanceof Conflict) return; // deleted, or ended by another process
      if (attempt === 0) this.o.emit({ type: 'run-status', runId: id, status: 'failed', error });
      if (this.closing || attempt >= RECORD_RETRIES) return;
      setTimeout(() => this.recordFailure(id, error, attempt + 1), RECORD_RETRY_MS).unref();
    }
  }

  /** Tells subscribers the queue changed. */
  changed(): void {
    this.o.emit({ type: 'queue', state: this.state() });
  }

  private idle(): boolean {
    return (
      this.active.size === 0 &&
      this.launching.size === 0 &&
      (!this.started || this.closing || this.paused || this.o.store.queuedIds().length === 0)
    );
  }

  private notifyIdle(): void {
    if (!this.idle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
