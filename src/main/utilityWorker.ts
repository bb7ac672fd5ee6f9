import { utilityProcess } from 'electron';
import { eachLine, type SpawnWorker, type WorkerExit } from '../service/trainerHost.js';

/**
 * Training processes as Electron utility processes running `entry` (out/main/worker.js): Node
 * processes Electron starts and ends with the app, with no Node binary to ship. The worker talks
 * over process.parentPort there (src/worker/channel.ts).
 */
export function utilityWorker(entry: string): SpawnWorker {
  return ({ runId, env }) => {
    const child = utilityProcess.fork(entry, [], {
      env: { ...definedOnly(process.env), ...env },
      stdio: 'pipe',
      serviceName: `Spam Workbench training (run ${runId})`,
    });
    const outputListeners: ((line: string) => void)[] = [];
    const output = (line: string) => outputListeners.forEach((l) => l(line));
    eachLine(child.stdout, output);
    eachLine(child.stderr, output);
    const exitListeners: ((exit: WorkerExit) => void)[] = [];
    let exited = false;
    // utilityProcess reports only an exit code, also for a process killed by a signal.
    child.once('exit', (code) => {
      exited = true;
      exitListeners.forEach((l) => l({ code, signal: null }));
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (!exited) child.postMessage(message);
      },
      onMessage: (listener) => child.on('message', listener),
      onOutput: (listener) => outputListeners.push(listener),
      onExit: (listener) => exitListeners.push(listener),
      kill(signal = 'SIGTERM') {
        // kill() always sends SIGTERM (a graceful stop on Windows); another signal goes by pid.
        if (signal === 'SIGTERM' || child.pid === undefined) child.kill();
        else process.kill(child.pid, signal);
      },
    };
  };
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
