import { fork } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServiceToWorker } from '../common/workerProtocol.js';

/** How a training process ended: its exit code, or the signal that killed it. */
export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

/**
 * A training process as the service sees it. The Node implementation is below; Electron's main
 * process implements the same with utilityProcess.
 */
export interface WorkerProcess {
  readonly pid: number | undefined;
  send(message: ServiceToWorker): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Each line it prints, stdout and stderr. */
  onOutput(listener: (line: string) => void): void;
  /** Called once, when the process has ended (or could not start: code null, signal null). */
  onExit(listener: (exit: WorkerExit) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnWorkerArgs {
  runId: number;
  /** Added to the training process's environment. */
  env: Record<string, string>;
}

export type SpawnWorker = (args: SpawnWorkerArgs) => WorkerProcess;

/** Calls `listener` with each line a training process prints on `stream`. */
export function eachLine(stream: NodeJS.ReadableStream | null, listener: (line: string) => void): void {
  if (stream) createInterface({ input: stream }).on('line', listener);
}

export const WORKER_ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/worker.mjs');

/** Training processes as Node child processes running `entry` (bin/worker.mjs, or the bundled out/main/worker.js). */
export function forkWorker(entry: string): SpawnWorker {
  return ({ env }) => {
    // Its own process group: a Ctrl-C at the terminal reaches the service, which stops the run so it
    // can resume, instead of killing the worker underneath it (which would fail the run).
    const child = fork(entry, [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      detached: true,
      windowsHide: true,
    });
    const outputListeners: ((line: string) => void)[] = [];
    const output = (line: string) => outputListeners.forEach((l) => l(line));
    eachLine(child.stdout, output);
    eachLine(child.stderr, output);
    let exited = false;
    const exitListeners: ((exit: WorkerExit) => void)[] = [];
    const exit = (e: WorkerExit) => {
      if (exited) return;
      exited = true;
      exitListeners.forEach((l) => l(e));
    };
    // 'close' waits for stdout/stderr to drain, so the output tail is complete when the exit is reported.
    child.on('close', (code, signal) => exit({ code, signal }));
    child.on('error', (err) => {
      outputListeners.forEach((l) => l(`cannot start the training process: ${err.message}`));
      if (child.pid === undefined) exit({ code: null, signal: null });
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => child.on('message', listener),
      onOutput: (listener) => outputListeners.push(listener),
      onExit: (listener) => exitListeners.push(listener),
      kill: (signal = 'SIGTERM') => child.kill(signal),
    };
  };
}

/** The training process as a Node child process running bin/worker.mjs (src/worker/main.ts through tsx). */
export const spawnNodeWorker: SpawnWorker = forkWorker(WORKER_ENTRY);
