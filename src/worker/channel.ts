import type { WorkerToService } from '../common/workerProtocol.js';

/** The service's end of the line: a Node child process's IPC channel, or Electron's utilityProcess parentPort. */
export interface ParentChannel {
  send(message: WorkerToService): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
}

/** Electron's `process.parentPort` in a utility process: messages arrive as events carrying `data`. */
export interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/** The process of a Node child forked with an IPC channel (`process.send` exists there). */
export type ChildProcessSide = Pick<NodeJS.Process, 'send' | 'on'>;

/** Whichever transport this process was started with: utilityProcess (desktop app) or a Node child (CLI, serve). */
export function parentChannel(): ParentChannel {
  // Electron sets process.parentPort in a utility process; reading it needs no Electron import.
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) return portChannel(port);
  if (!process.send) throw new Error('src/worker runs as a child process of the workbench service (no IPC channel to it)');
  return childChannel(process, () => process.exit(1));
}

export function portChannel(port: ParentPort): ParentChannel {
  return {
    // postMessage has no delivery callback: a message is handed over once it is posted.
    send: async (message) => port.postMessage(message),
    onMessage: (listener) => port.on('message', (event) => listener(event.data)),
  };
}

export function childChannel(proc: ChildProcessSide, onParentGone: () => void): ParentChannel {
  if (!proc.send) throw new Error('no IPC channel to the parent process');
  // The service is gone (crashed, killed): stop, so the run's next start is the only writer of its checkpoints.
  proc.on('disconnect', onParentGone);
  return {
    send: (message) =>
      new Promise((resolve, reject) => {
        proc.send!(message, undefined, undefined, (err) => (err ? reject(err) : resolve()));
      }),
    onMessage: (listener) => proc.on('message', listener),
  };
}
