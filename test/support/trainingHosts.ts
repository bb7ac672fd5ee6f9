import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { afterAll, onTestFinished } from 'vitest';
import type { RunDetail } from '../../src/common/api.js';
import { newAccessToken } from '../../src/service/http/accessToken.js';
import { startHttpServer, type WorkbenchHttpServer } from '../../src/service/http/server.js';
import { createWorkbenchService, type WorkbenchService } from '../../src/service/workbenchService.js';
import { REPO_ROOT } from './cli.js';

/** A coordinator in this process: the service over `dataDir` with a Redis URL, and its HTTP server on 127.0.0.1; closed when the calling test ends. */
export interface Coordinating {
  service: WorkbenchService;
  server: WorkbenchHttpServer;
  origin: string;
  token: string;
  /** Stops the server and the service (a run on a host keeps training). */
  close(): Promise<void>;
}

export async function startCoordinator(
  dataDir: string,
  redisUrl: string,
  {
    token = newAccessToken(),
    port = 0,
    appVersion,
    trainHere = false,
  }: { token?: string; port?: number; appVersion?: string; trainHere?: boolean } = {},
): Promise<Coordinating> {
  const service = await createWorkbenchService({
    dataDir,
    cacheDir: path.join(dataDir, 'no-cache'),
    redis: { redisUrl, source: 'flag', trainHere },
    hostListener: 'server', // startHttpServer below
    appVersion,
    log: () => {},
  });
  const server = await startHttpServer({
    service,
    port,
    token,
    rendererDir: path.join(dataDir, 'no-renderer'),
    hostRoutes: service.hostRoutes,
    log: () => {},
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
    await service.close();
  };
  onTestFinished(close);
  return { service, server, origin: server.origin, token, close };
}

/** A `workbench worker` process: what it printed so far, and how it ends. */
export interface HostProcess {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exit: Promise<number | null>;
  /** Resolves once its stderr matches `pattern`. */
  says(pattern: RegExp): Promise<void>;
}

const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => started.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')));

/** Starts `workbench worker` for the coordinator, as a user would, with a short lease (a killed host's run moves on in seconds). */
export function startHost(
  c: { origin: string; token: string },
  redisUrl: string,
  name: string,
  dataDir: string,
  extra: string[] = [],
): HostProcess {
  const child = spawn(
    process.execPath,
    [
      'bin/workbench.mjs',
      'worker',
      '--redis',
      redisUrl,
      '--workbench',
      c.origin,
      '--token',
      c.token,
      '--name',
      name,
      '--data',
      dataDir,
      '--lease',
      '2',
      ...extra,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, WORKBENCH_CACHE_DIR: path.join(dataDir, 'cache') } },
  );
  started.push(child);
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of waiters.filter((x) => x.pattern.test(stderr))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    stderr: () => stderr,
    exit,
    says: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void exit.then((code) => reject(new Error(`the host exited (${code}) before saying ${pattern}:\n${stderr}`)));
          }),
  };
}

/**
 * Polls run `id` until `done` accepts it; throws, with its output, when one of `hosts` (those the run waits for)
 * has exited meanwhile, instead of waiting for the test's timeout.
 */
export async function waitForRun(
  service: WorkbenchService,
  id: number,
  done: (run: RunDetail) => boolean,
  hosts: HostProcess[] = [],
): Promise<RunDetail> {
  for (;;) {
    const run = await service.getRun(id);
    if (done(run)) return run;
    const gone = hosts.find((h) => h.child.exitCode !== null || h.child.signalCode !== null);
    if (gone)
      throw new Error(`a host exited (${gone.child.exitCode ?? gone.child.signalCode}) while run ${id} waited for it:\n${gone.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
