import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll } from 'vitest';
import { startServe as start, type Serving } from '../../src/cli/bench/serveProcess.js';

export { upload, type Serving } from '../../src/cli/bench/serveProcess.js';

const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => started.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')));

/** startServe (see src/cli/bench/serveProcess.ts), killed after the test file if it is still running. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}, { freePort = true } = {}): Promise<Serving> {
  return start(args, env, { freePort, spawned: (child) => started.push(child) });
}
