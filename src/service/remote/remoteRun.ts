import type { Attach, Report } from '../../common/hostProtocol.js';
import type { ServiceToWorker, WorkerJob } from '../../common/workerProtocol.js';
import type { WorkerExit, WorkerProcess } from '../trainerHost.js';

/** What a RemoteRun needs of the coordinator. */
export interface RunDispatcher {
  /** Puts the run's job on the queue (a job already there is left as it is). */
  enqueue(run: RemoteRun, job: WorkerJob): Promise<void>;
  /** Takes the run's job off the queue if no host has taken it yet; whether it did. */
  withdraw(run: RemoteRun): Promise<boolean>;
  /** The run took (or, after a restart of the coordinator, found) another attempt: remembered for the next start. */
  attempted(run: RemoteRun): void;
  /** A host other than the one before took the run over (its host died or stopped). */
  tookOver(run: RemoteRun): void;
  /** Host `host` trains the run now. */
  attachedHost(run: RemoteRun, host: string): void;
  /** The run's job is over here: it ended, or the service let go of it. */
  released(run: RemoteRun): void;
}

/** A report or attach of an attempt that is no longer the run's (another host took it over, or the run ended). */
export class AttemptGone extends Error {}

/**
 * One run trained by a training host, as the run queue sees a training process (trainerHost.ts WorkerProcess):
 * `start` puts its job on the BullMQ queue, the host's reports become the process's messages and output, and
 * its end (reported by the host) is the process's exit. So a remote run goes through the same supervisor and
 * records as a local one. One attempt (a host's take of the job) is current; when another host takes it over,
 * the numbering of messages starts again for it.
 */
export class RemoteRun implements WorkerProcess {
  readonly pid = undefined;
  private readonly messageListeners: ((message: unknown) => void)[] = [];
  private readonly outputListeners: ((line: string) => void)[] = [];
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];
  private exited = false;
  /** The next message number expected from the current attempt; null until its first report (after a restart). */
  private nextItem: number | null = null;
  private cancelAsked = false;
  private host: string | null = null;
  /** The job the queue started it with (the coordinator's paths and resolved config). */
  job: WorkerJob | null = null;

  constructor(
    private readonly dispatcher: RunDispatcher,
    readonly runId: number,
    readonly dispatch: string,
    /** The attempt a previous coordinator knew (it resumes reporting to this one). */
    public attempt: string | null,
  ) {}

  send(message: ServiceToWorker): void {
    if (this.exited) return;
    if (message.type === 'start') {
      this.job = message.job;
      this.say('(coordinator) waiting for a training host to take the run');
      this.dispatcher
        .enqueue(this, message.job)
        .catch((err: unknown) => this.fail(`cannot queue the run for training hosts: ${(err as Error).message}`));
      return;
    }
    this.cancelAsked = true;
    void this.dispatcher.withdraw(this).then(
      (withdrawn) => {
        if (withdrawn) this.end([{ type: 'cancelled' }], { code: 0, signal: null });
      },
      () => {
        // Redis cannot be reached now: the host hears the cancel at its next report.
      },
    );
  }

  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.push(listener);
  }

  onOutput(listener: (line: string) => void): void {
    this.outputListeners.push(listener);
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.exitListeners.push(listener);
  }

  /**
   * The service lets go of the run (it shuts down, or the supervisor gave up on it): the host is left training and
   * the job stays; the run's record says what became of it, and a later report is refused unless the run still runs.
   */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.exit({ code: null, signal });
  }

  /** A host took the run's job: it becomes the current attempt. Throws AttemptGone when the run is over here. */
  attach(a: Attach): { cancel: boolean } {
    if (this.exited) throw new AttemptGone(`run ${this.runId} is no longer trained by hosts`);
    if (a.attempt !== this.attempt) {
      if (this.attempt !== null) {
        this.say(
          `(coordinator) host ${this.host ?? 'of the last attempt'} stopped training the run; host ${a.host} resumes it from its last uploaded checkpoint`,
        );
        this.dispatcher.tookOver(this);
      }
      this.attempt = a.attempt;
      this.nextItem = 0;
      this.dispatcher.attempted(this);
    }
    this.host = a.host;
    this.dispatcher.attachedHost(this, a.host);
    this.say(`(coordinator) training on host ${a.host}`);
    return { cancel: this.cancelAsked };
  }

  /** Applies what the current attempt's training process said (once each, in order); throws AttemptGone for another attempt. */
  report(r: Report): { cancel: boolean } {
    if (this.exited || r.attempt !== this.attempt) throw new AttemptGone(`run ${this.runId} is trained by another host now, or no longer`);
    this.nextItem ??= r.first;
    r.items.forEach((item, i) => {
      if (r.first + i < this.nextItem!) return; // sent again after an answer that was lost: applied already
      this.nextItem = r.first + i + 1;
      if ('message' in item) this.messageListeners.forEach((l) => l(item.message));
      else this.say(item.line);
    });
    if (r.exit) this.exit(r.exit);
    return { cancel: this.cancelAsked };
  }

  /** Ends the run with a reason, as a training process that failed would. */
  fail(error: string): void {
    this.end([{ type: 'failed', error }], { code: 1, signal: null });
  }

  get ended(): boolean {
    return this.exited;
  }

  private end(messages: unknown[], exit: WorkerExit): void {
    if (this.exited) return;
    messages.forEach((m) => this.messageListeners.forEach((l) => l(m)));
    this.exit(exit);
  }

  private say(line: string): void {
    this.outputListeners.forEach((l) => l(line));
  }

  private exit(exit: WorkerExit): void {
    if (this.exited) return;
    this.exited = true;
    this.dispatcher.released(this);
    this.exitListeners.forEach((l) => l(exit));
  }
}
