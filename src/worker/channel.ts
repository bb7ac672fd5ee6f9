import type { WorkerToService } from '../common/workerProtocol.js';

/** The service's end of the line: a Node child process's IPC channel, or Electron's utilityProcess parentPort. */
export interface ParentChannel {
  send(message: WorkerToService): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
}

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function parentChannel(): ParentChannel {
  // Electron sets process.parentPort in a utility process; reading it needs no Electron import.
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: async (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    };
  }
  if (!process.send) throw new Error('src/worker runs as a child process of the workbench service (no IPC channel to it)');
  // The service is gone (crashed, killed): stop, so the run's next start is the only writer of its checkpoints.
  process.on('disconnect', () => process.exit(1));
  return {
    send: (message) =>
      new Promise((resolve, reject) => {
        process.send!(message, undefined, undefined, (err) => (err ? reject(err) : resolve()));
      }),
    onMessage: (listener) => process.on('message', listener),
  };
}
