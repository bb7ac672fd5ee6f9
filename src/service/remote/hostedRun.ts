import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { RUN_FILES, type RemoteJob, type ReportItem, type RunFolderName } from '../../common/hostProtocol.js';
import { WorkerToServiceSchema, type WorkerJob } from '../../common/workerProtocol.js';
import { writeFileAtomic } from '../../core/atomicWrite.js';
import { WorkbenchError } from '../../core/errors.js';
import type { SpawnWorker, WorkerExit, WorkerProcess } from '../trainerHost.js';
import { CoordinatorRefused, type CoordinatorClient } from './coordinatorClient.js';

/** How often the training process's messages go to the coordinator (and a cancel comes back). */
export const REPORT_MS = 1000;
/** The most items in one report: a long outage's backlog goes in several, each well under the server's body limit. */
const REPORT_ITEMS = 5000;

/** How a host's take of a run ended: it reported the process's end, or the run went back to the queue, or was not its to train. */
export type HostedOutcome = { kind: 'ended'; exit: WorkerExit } | { kind: 'returned' } | { kind: 'dropped'; reason: string };

export interface HostedRunOptions {
  client: CoordinatorClient;
  job: RemoteJob;
  host: string;
  version: string;
  /** This host's folder for the run (its checkpoints and classifier) and for cached data files. */
  runDir: string;
  datasetsDir: string;
  cacheDir: string;
  spawnWorker: SpawnWorker;
  say(line: string): void;
  /** The engine's backend, once the training process said it. */
  onBackend(backend: string): void;
}

/**
 * One take of a run's job by a training host: attaches to the run at the coordinator, fetches its data set (by
 * sha256, cached) and its last uploaded checkpoint, trains it in a training process exactly as `queue run` does,
 * reports what the process says in batches, uploads each epoch's checkpoint and the classifier, and reports the
 * process's end once everything it names is uploaded. `interrupt()` (the host stops) returns the run to the queue.
 */
export class HostedRun {
  readonly attempt = randomBytes(8).toString('hex');
  private process: WorkerProcess | null = null;
  /** Said and not yet taken by the coordinator; `sent` of them are numbered before the first here. */
  private outbox: ReportItem[] = [];
  private sent = 0;
  private exit: WorkerExit | null = null;
  /** Everything the process said passes through here in order: a `finished` waits for the uploads before it. */
  private gate: Promise<void> = Promise.resolve();
  /** The uploads, one after another. */
  private uploads: Promise<void> = Promise.resolve();
  private interrupted = false;
  private gone: string | null = null;
  private cancelSent = false;

  constructor(private readonly o: HostedRunOptions) {}

  private route(tail: string): string {
    return `runs/${this.o.job.runId}/${tail}`;
  }

  async run(): Promise<HostedOutcome> {
    const { client, job } = this.o;
    let cancel: boolean;
    try {
      ({ cancel } = await client.retrying('attaching to the run', () =>
        client.json<{ cancel: boolean }>('POST', this.route('attach'), {
          dispatch: job.dispatch,
          attempt: this.attempt,
          host: this.o.host,
          version: this.o.version,
        }),
      ));
    } catch (err) {
      if (err instanceof CoordinatorRefused && err.status === 410) return { kind: 'dropped', reason: err.message };
      throw err;
    }
    if (cancel) {
      this.outbox.push({ message: { type: 'cancelled' } });
      return this.finish({ code: 0, signal: null });
    }
    let workerJob: WorkerJob;
    try {
      workerJob = await this.prepare();
    } catch (err) {
      if (err instanceof CoordinatorRefused && err.status === 410) return { kind: 'dropped', reason: err.message };
      this.outbox.push({ message: { type: 'failed', error: `host ${this.o.host}: ${(err as Error).message}` } });
      return this.finish({ code: 1, signal: null });
    }
    if (this.interrupted) return { kind: 'returned' };
    return this.train(workerJob);
  }

  /** The host stops: the training process ends, the last checkpoint finishes uploading, and the run goes back to the queue. */
  interrupt(signal: string): void {
    this.interrupted = true;
    this.pass({
      line: `(host ${this.o.host}) stopped by ${signal}: the run goes back to the queue and resumes from its last uploaded checkpoint`,
    });
    this.process?.kill('SIGTERM');
  }

  /** The data set and the last checkpoint, in this host's folder; the job as the training process takes it. */
  private async prepare(): Promise<WorkerJob> {
    const { job } = this.o;
    const checkpointDir = path.join(this.o.runDir, 'checkpoints');
    const classifierDir = path.join(this.o.runDir, 'classifier');
    // The coordinator's checkpoint is the run's: one this host kept from an earlier take may be older or newer.
    await rm(this.o.runDir, { recursive: true, force: true });
    await mkdir(checkpointDir, { recursive: true, mode: 0o700 });
    await this.download('checkpoints', checkpointDir);
    const config = job.dataset
      ? { ...job.config, dataset: { ...job.config.dataset, source: await this.dataset(job.dataset.sha256, job.dataset.ext) } }
      : job.config;
    return { runId: job.runId, config, checkpointDir, classifierDir, cacheDir: this.o.cacheDir };
  }

  /** The run's data file from this host's cache, or fetched by its sha256 and checked against it. */
  private async dataset(sha256: string, ext: string): Promise<string> {
    const file = path.join(this.o.datasetsDir, `${sha256}${ext}`);
    if (existsSync(file)) return file;
    const { client } = this.o;
    const bytes = await client.retrying('fetching the data set', async () =>
      Buffer.from(await (await client.call('GET', `datasets/${sha256}`)).arrayBuffer()),
    );
    if (createHash('sha256').update(bytes).digest('hex') !== sha256)
      throw new WorkbenchError(`the data set fetched from the workbench is not the one of sha256 ${sha256}`);
    await mkdir(this.o.datasetsDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, bytes);
    return file;
  }

  /** The run's last uploaded pair in `folder` (tensors first, then the file naming them), if the coordinator has one. */
  private async download(folder: RunFolderName, dir: string): Promise<void> {
    const { client, job } = this.o;
    const get = (name: string) =>
      client.retrying(`fetching the run's ${name}`, async () => {
        try {
          return Buffer.from(
            await (await client.call('GET', this.route(`files/${folder}/${name}?dispatch=${job.dispatch}`))).arrayBuffer(),
          );
        } catch (err) {
          if (err instanceof CoordinatorRefused && err.status === 404) return null;
          throw err;
        }
      });
    const pointer = await get(RUN_FILES[folder].pointer);
    if (pointer === null) return;
    const named = String((JSON.parse(pointer.toString('utf8')) as Record<string, unknown>)[RUN_FILES[folder].field]);
    if (!RUN_FILES[folder].versioned.test(named)) throw new WorkbenchError(`the run's ${RUN_FILES[folder].pointer} names no tensors file`);
    const tensors = await get(named);
    if (tensors === null) return;
    await writeFile(path.join(dir, named), tensors);
    await writeFile(path.join(dir, RUN_FILES[folder].pointer), pointer);
  }

  private train(workerJob: WorkerJob): Promise<HostedOutcome> {
    const child = this.o.spawnWorker({ runId: workerJob.runId, env: {} });
    this.process = child;
    child.onOutput((line) => this.pass({ line }));
    child.onMessage((raw) => {
      const m = WorkerToServiceSchema.safeParse(raw);
      if (m.success && m.data.type === 'ready') this.o.onBackend(m.data.backend);
      if (m.success && m.data.type === 'checkpoint') this.upload('checkpoints', workerJob.checkpointDir);
      if (m.success && m.data.type === 'finished') this.upload('classifier', workerJob.classifierDir);
      // A `finished` is said once the classifier it stands for is uploaded; what follows waits behind it.
      this.pass({ message: raw }, m.success && m.data.type === 'finished' ? this.uploads : null);
    });
    const exited = new Promise<WorkerExit>((resolve) => child.onExit(resolve));
    child.send({ type: 'start', job: workerJob });
    return this.relay(exited);
  }

  /** Adds an item to the outbox in the order the process said it, after `waitFor` when given. */
  private pass(item: ReportItem, waitFor: Promise<void> | null = null): void {
    this.gate = this.gate.then(async () => {
      if (waitFor) await waitFor;
      this.outbox.push(item);
    });
  }

  /** Uploads the pair the process has just saved in `folder` (after the uploads before it). */
  private upload(folder: RunFolderName, dir: string): void {
    this.uploads = this.uploads
      .then(() => this.uploadPair(folder, dir))
      .catch((err: unknown) => {
        if (err instanceof CoordinatorRefused && err.status === 410) this.gone = err.message;
        else this.pass({ line: `(host ${this.o.host}) could not upload the run's ${folder}: ${(err as Error).message}` });
      });
  }

  private async uploadPair(folder: RunFolderName, dir: string): Promise<void> {
    const { client, job } = this.o;
    const files = RUN_FILES[folder];
    const pointer = await readFile(path.join(dir, files.pointer));
    const named = String((JSON.parse(pointer.toString('utf8')) as Record<string, unknown>)[files.field]);
    // Opened now: the process may replace the pair meanwhile, and the open file stays readable.
    const handle = await open(path.join(dir, named)).catch(() => null);
    if (!handle) return; // already replaced by the next one, which is uploaded next
    const query = `?dispatch=${job.dispatch}&attempt=${this.attempt}`;
    try {
      await client.retrying(`uploading the run's ${named}`, () =>
        client.call(
          'PUT',
          this.route(`files/${folder}/${named}${query}`),
          Readable.toWeb(handle.createReadStream({ start: 0, autoClose: false })) as ReadableStream<Uint8Array>,
        ),
      );
    } finally {
      await handle.close();
    }
    await client.retrying(`uploading the run's ${files.pointer}`, () =>
      client.call('PUT', this.route(`files/${folder}/${files.pointer}${query}`), new Uint8Array(pointer)),
    );
  }

  /** Reports until the process has ended and its end is told (or the run went back to the queue, or is not this host's any more). */
  private async relay(exited: Promise<WorkerExit>): Promise<HostedOutcome> {
    let ended = false;
    void exited.then((exit) => {
      ended = true;
      this.gate = this.gate.then(async () => {
        await this.uploads;
        this.exit = exit;
      });
    });
    for (;;) {
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, REPORT_MS))]);
      if (ended) await this.gate;
      if (this.gone) return this.drop(this.gone);
      if (ended && this.interrupted) {
        await this.sendReport(false).catch(() => undefined);
        return { kind: 'returned' };
      }
      try {
        const answer = await this.sendReport(ended);
        if (answer.cancel && !this.cancelSent) {
          this.cancelSent = true;
          this.process?.send({ type: 'cancel' });
        }
        if (this.exit && this.outbox.length === 0) return { kind: 'ended', exit: this.exit };
      } catch (err) {
        if (err instanceof CoordinatorRefused && err.status === 410) return this.drop(err.message);
        // Unreachable: the items wait in the outbox and go with the next report.
      }
    }
  }

  /** Sends the outbox, a batch at most (with the exit when `withExit`, known and nothing is left behind); throws what the call threw. */
  private async sendReport(withExit: boolean): Promise<{ cancel: boolean }> {
    const items = this.outbox.slice(0, REPORT_ITEMS);
    const exit = withExit && items.length === this.outbox.length ? this.exit : null;
    const answer = await this.o.client.json<{ cancel: boolean }>('POST', this.route('report'), {
      dispatch: this.o.job.dispatch,
      attempt: this.attempt,
      first: this.sent,
      items,
      exit,
    });
    this.outbox.splice(0, items.length);
    this.sent += items.length;
    return answer;
  }

  /** Reports what is left and the end, however long the coordinator takes to answer. */
  private async finish(exit: WorkerExit): Promise<HostedOutcome> {
    this.exit = exit;
    try {
      await this.o.client.retrying('reporting the end of the run', () => this.sendReport(true));
    } catch (err) {
      if (err instanceof CoordinatorRefused && err.status === 410) return { kind: 'dropped', reason: err.message };
      throw err;
    }
    return { kind: 'ended', exit };
  }

  private drop(reason: string): HostedOutcome {
    this.process?.kill('SIGKILL');
    return { kind: 'dropped', reason };
  }
}
