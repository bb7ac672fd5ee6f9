import { createWriteStream, type WriteStream } from 'node:fs';
import type { RunProgress } from '../common/api.js';
import { WorkerToServiceSchema, type WorkerJob, type WorkerResult, type WorkerToService } from '../common/workerProtocol.js';
import { exitReason } from './exitReason.js';
import { invalidMessageReason } from './workerMessages.js';
import { storageMessage } from './storageErrors.js';
import type { MetricRow } from './runStore.js';
import type { WorkerExit, WorkerProcess } from './trainerHost.js';

export const OUTPUT_TAIL_LINES = 40;
const METRICS_BATCH = 200;
const METRICS_FLUSH_MS = 1000;
const PROGRESS_EVERY_MS = 250;
const CANCEL_GRACE_MS = 15_000;
/** How long a process asked to end (SIGTERM) has before it is killed. */
const STOP_GRACE_MS = 5000;

/** What became of a supervised run. `interrupted`: the service stopped it to shut down; the run resumes on the next start. */
export type RunEnd =
  { kind: 'finished'; result: WorkerResult } | { kind: 'failed'; error: string } | { kind: 'cancelled' } | { kind: 'interrupted' };

export interface SupervisorHooks {
  onReady(backend: string): void;
  onResuming(epoch: number, step: number): void;
  onProgress(progress: RunProgress): void;
  onMetrics(rows: MetricRow[]): void;
  onPoint(m: Extract<WorkerToService, { type: 'eval' | 'epoch' }>): void;
}

/**
 * One training process from start to end: sends it the job, turns its messages into progress,
 * batched metric rows and a result, keeps its output (log file and last lines), and decides how
 * the run ended when the process dies without saying.
 */
export class RunSupervisor {
  readonly tail: string[] = [];
  readonly ended: Promise<RunEnd>;
  private log: WriteStream;
  private metrics: MetricRow[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private lastProgressAt = 0;
  private reported: RunEnd | null = null;
  private cancelRequested = false;
  private stopping = false;
  private killTimer: NodeJS.Timeout | null = null;
  progress: RunProgress;

  constructor(
    private readonly worker: WorkerProcess,
    private readonly job: WorkerJob,
    logFile: string,
    private readonly hooks: SupervisorHooks,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    // A log that cannot be written (a full disk) loses lines, never the service: the tail stays in memory.
    this.log.on('error', (err) => this.tail.push(`(service) ${storageMessage(err, 'writing the run log')}`));
    this.log.write(`--- ${new Date().toISOString()} training process ${worker.pid ?? '?'} started\n`);
    this.progress = {
      stage: 'dataset',
      message: 'starting the training process',
      step: 0,
      totalSteps: 0,
      epoch: 0,
      epochs: job.config.epochs,
      examplesSeen: 0,
      loss: null,
      tokensPerSecond: null,
      etaSeconds: null,
      fraction: 0,
    };
    worker.onOutput((line) => this.output(line));
    worker.onMessage((raw) => this.guarded(() => this.message(raw), 'recording its progress'));
    this.ended = new Promise((resolve) => worker.onExit((exit) => resolve(this.exited(exit))));
    worker.send({ type: 'start', job });
  }

  /** Asks the worker to stop before its next step; kills it when it does not within a grace period. */
  cancel(): void {
    this.cancelRequested = true;
    this.worker.send({ type: 'cancel' });
    this.killTimer ??= setTimeout(() => this.worker.kill('SIGKILL'), CANCEL_GRACE_MS);
  }

  /** Stops the process for a shutdown; the run's record stays as it is and it resumes next time. */
  stop(): void {
    this.stopping = true;
    this.worker.kill('SIGTERM');
    this.killTimer ??= setTimeout(() => this.worker.kill('SIGKILL'), STOP_GRACE_MS);
  }

  private output(line: string): void {
    this.log.write(`${line}\n`);
    this.tail.push(line);
    if (this.tail.length > OUTPUT_TAIL_LINES) this.tail.shift();
  }

  /**
   * Runs `part` (the handling of a message, a metrics flush from its timer); when it throws (a full disk, a
   * damaged database), the run fails with one line saying so, and the process is stopped: an error here
   * has no caller to go to, and must not take the service down.
   */
  private guarded(part: () => void, doing: string): void {
    try {
      part();
    } catch (err) {
      this.fail(storageMessage(err, `${doing} for run ${this.job.runId}`));
    }
  }

  /** Ends the run as failed with `error` (the first failure wins) and stops its process. */
  private fail(error: string): void {
    if (this.reported?.kind !== 'failed') this.reported = { kind: 'failed', error };
    this.output(`(service) ${error}`);
    this.metrics = [];
    this.worker.kill('SIGTERM');
    this.killTimer ??= setTimeout(() => this.worker.kill('SIGKILL'), STOP_GRACE_MS);
  }

  private message(raw: unknown): void {
    if (this.reported?.kind === 'failed') return;
    const parsed = WorkerToServiceSchema.safeParse(raw);
    if (!parsed.success) {
      // Never dropped: a message the service cannot read ends the run with what was wrong (a NaN metric is null in JSON).
      return this.fail(invalidMessageReason(raw, parsed.error.issues[0]));
    }
    const m = parsed.data;
    const runId = this.job.runId;
    switch (m.type) {
      case 'ready':
        return this.hooks.onReady(m.backend);
      case 'resuming':
        this.flush();
        return this.hooks.onResuming(m.epoch, m.step);
      case 'stage':
        return this.update({ stage: m.stage, message: m.message }, true);
      case 'prefix':
        return this.update(
          { stage: 'prefix', message: `computing the frozen blocks once: ${m.done} of ${m.total} examples` },
          m.done === m.total,
        );
      case 'step':
        this.queue({
          kind: 'step',
          runId,
          step: m.step,
          epoch: m.epoch,
          examplesSeen: m.examplesSeen,
          loss: m.loss,
          tokensPerSecond: m.tokensPerSecond,
        });
        return this.update(
          {
            stage: 'training',
            message: `epoch ${m.epoch + 1} of ${m.epochs}, step ${m.step} of ${m.totalSteps}`,
            step: m.step,
            totalSteps: m.totalSteps,
            epoch: m.epoch,
            epochs: m.epochs,
            examplesSeen: m.examplesSeen,
            loss: m.loss,
            tokensPerSecond: m.tokensPerSecond,
            etaSeconds: m.etaSeconds,
            fraction: m.totalSteps ? m.step / m.totalSteps : 0,
          },
          m.step === m.totalSteps,
        );
      case 'eval':
        this.queue({ kind: 'eval', runId, point: m.point });
        return this.hooks.onPoint(m);
      case 'epoch':
        this.queue({ kind: 'epoch', runId, point: m.point });
        this.flush();
        return this.hooks.onPoint(m);
      case 'checkpoint':
        return this.flush();
      case 'finished':
        this.flush();
        this.reported = { kind: 'finished', result: m.result };
        return this.update({ stage: 'saving', message: 'finished', fraction: 1 }, true);
      case 'failed':
        this.reported = { kind: 'failed', error: m.error };
        return;
      case 'cancelled':
        this.reported = { kind: 'cancelled' };
        return;
    }
  }

  private update(change: Partial<RunProgress>, force: boolean): void {
    this.progress = { ...this.progress, ...change };
    const now = Date.now();
    if (!force && now - this.lastProgressAt < PROGRESS_EVERY_MS) return;
    this.lastProgressAt = now;
    this.hooks.onProgress(this.progress);
  }

  private queue(row: MetricRow): void {
    this.metrics.push(row);
    if (this.metrics.length >= METRICS_BATCH) this.flush();
    else this.flushTimer ??= setTimeout(() => this.guarded(() => this.flush(), 'saving the metrics'), METRICS_FLUSH_MS);
  }

  /** Writes the buffered metric rows in one transaction. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.metrics.length === 0) return;
    const rows = this.metrics;
    this.metrics = [];
    this.hooks.onMetrics(rows);
  }

  private exited(exit: WorkerExit): RunEnd {
    if (this.killTimer) clearTimeout(this.killTimer);
    this.guarded(() => this.flush(), 'saving the last metrics');
    if (this.killTimer) clearTimeout(this.killTimer); // the process is gone: a failure above has nothing left to kill
    const end: RunEnd =
      this.reported ??
      (this.stopping
        ? { kind: 'interrupted' }
        : this.cancelRequested
          ? { kind: 'cancelled' }
          : { kind: 'failed', error: exitReason(exit, this.tail) });
    this.log.end(
      `--- ${new Date().toISOString()} training process ended (${exit.signal ?? `exit code ${exit.code}`}): ${end.kind}${end.kind === 'failed' ? `: ${end.error}` : ''}\n`,
    );
    return end;
  }
}
