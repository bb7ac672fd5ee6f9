import { utilityProcess } from 'electron';
import { type SpawnWorker, type WorkerExit, type WorkerProcess } from '../service/trainerHost.js';

/**
 * Training processes as Electron utility processes running `entry` (out/main/worker.js): Node
 * processes Electron starts and ends with the app, with no Node binary to ship. The worker talks
 * over process.parentPort there (src/worker/channel.ts).
 */
export function utilityWorker(entry: string): SpawnWorker {
  return ({ runId, env }) =>
    adaptUtilityProcess(
      utilityProcess.fork(entry, [], {
        env: { ...definedOnly(process.env), ...env },
        stdio: 'pipe',
        serviceName: `Spam Workbench training (run ${runId})`,
      }),
    );
}

/** What adaptUtilityProcess uses of Electron's UtilityProcess (a fake in the tests). */
export interface UtilityChild {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'error', listener: (type: string, location: string, report: string) => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
}

/** How long the output may still drain after the process exited (a grandchild holding the pipe open). */
export const OUTPUT_DRAIN_MS = 2000;

/** A utility process as the service's WorkerProcess. */
export function adaptUtilityProcess(child: UtilityChild, drainMs = OUTPUT_DRAIN_MS): WorkerProcess {
  const outputListeners: ((line: string) => void)[] = [];
  const output = (line: string) => outputListeners.forEach((l) => l(line));
  const streams = [child.stdout, child.stderr]
    .filter((s): s is NodeJS.ReadableStream => s !== null)
    .map((s) => new FollowedStream(s, output));

  let pid = child.pid;
  // Its pid exists only from 'spawn' on, after the service logged the start: the log gets it here.
  child.on('spawn', () => {
    pid = child.pid;
    output(`training process ${pid ?? '?'} running (Electron utility process)`);
  });
  // V8's fatal errors (e.g. heap out of memory) come as this event, before the exit.
  child.on('error', (type, location) => output(`${type}${location ? ` at ${location}` : ''}`));

  const exitListeners: ((exit: WorkerExit) => void)[] = [];
  let exited = false;
  child.once('exit', (code) => {
    exited = true;
    // Electron's 'exit' then calls removeAllListeners() on stdout/stderr at once (unlike Node's 'close',
    // which waits for them), which would drop the last lines (V8's "heap out of memory"). The streams keep
    // receiving what the pipe still holds: listen again on the next tick, after that removal.
    process.nextTick(() => streams.forEach((s) => s.follow()));
    const drained = Promise.all(streams.map((s) => s.ended));
    void Promise.race([drained, new Promise((resolve) => setTimeout(resolve, drainMs).unref())]).then(() => {
      streams.forEach((s) => s.flush());
      // utilityProcess reports only an exit code, also for a process killed by a signal.
      exitListeners.forEach((l) => l({ code, signal: null }));
    });
  });
  return {
    get pid() {
      return pid ?? child.pid;
    },
    send(message) {
      if (!exited) child.postMessage(message);
    },
    onMessage: (listener) => child.on('message', listener),
    onOutput: (listener) => outputListeners.push(listener),
    onExit: (listener) => exitListeners.push(listener),
    kill(signal = 'SIGTERM') {
      const target = pid ?? child.pid;
      // kill() always sends SIGTERM (a graceful stop on Windows); another signal goes by pid.
      if (signal === 'SIGTERM' || target === undefined) child.kill();
      else process.kill(target, signal);
    },
  };
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A process's output stream read line by line, with listeners that can be attached again. */
class FollowedStream {
  private rest = '';
  private done = false;
  private resolveEnded!: () => void;
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly stream: NodeJS.ReadableStream,
    private readonly output: (line: string) => void,
  ) {
    this.follow();
  }

  /** Listens to the stream, unless still listening (Electron removes every listener when the process exits). */
  follow(): void {
    if (this.done || this.stream.listeners('data').includes(this.onData)) return;
    this.stream.on('data', this.onData);
    this.stream.once('end', this.onEnd);
  }

  private readonly onData = (chunk: Buffer | string) =>
    this.push(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));

  private readonly onEnd = () => {
    this.flush();
    this.done = true;
    this.resolveEnded();
  };

  flush(): void {
    if (this.rest !== '') this.output(this.rest.replace(/\r$/, ''));
    this.rest = '';
  }

  private push(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop()!;
    for (const line of lines) this.output(line.replace(/\r$/, ''));
  }
}
