import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WorkbenchError } from '../../core/errors.js';
import type { TrainingHosts } from '../../common/api.js';
import { workerCommand } from '../../common/hostProtocol.js';
import { exposureWarning, isLoopback } from '../../service/http/guard.js';
import { listenAsBefore } from '../../service/http/serveState.js';
import { NOT_BUILT } from '../../service/http/staticFiles.js';
import { printJson, type Command } from '../command.js';
import { resolveDataFolder } from '../../service/dataFolder.js';
import { storageMessage } from '../../service/storageErrors.js';
import { redisOverride } from '../../service/trainingHosts.js';
import { createWorkbenchService } from '../../service/workbenchService.js';
import { DATA_FLAG, DATA_FLAG_HELP } from '../serviceSession.js';

export const DEFAULT_PORT = 8765;

/** Where `npm run build` puts the renderer. */
const RENDERER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../out/renderer');

export const serveCommand: Command = {
  name: 'serve',
  summary: 'the workbench in a browser: serve the app and its API over HTTP, and train the queue',
  usage: `workbench serve [--port N] [--host H] [--new-token] [--redis URL [--train-here]] [--data DIR] [--json]

Serves the built app (npm run build) and its API at http://127.0.0.1:${DEFAULT_PORT}/ and trains the
queued runs, until Ctrl-C (a run in progress resumes from its checkpoint at the next start). Prints
the URL to open, with a random token that every API request needs. A restart over the same data folder
reuses the last port (when free) and token, so an open page reconnects by itself.
  --port N                    the port (default: the last one, else ${DEFAULT_PORT}); 0 picks a free one
  --new-token                 make a new token (pages opened with the old one stop working)
  --host H                    the address to listen on (default 127.0.0.1, this machine only); any other
                              lets the network reach the workbench, guarded by the token alone, unencrypted
  --redis URL                 send queued runs to training hosts (workbench worker) through Redis:
                              redis://[user:password@]host[:port][/db], or rediss:// for TLS (default:
                              $WORKBENCH_REDIS_URL, else the System page's Training hosts); prints the
                              worker command to run on each machine
  --train-here                with a Redis URL: this workbench trains too, as one more host (default: only
                              the training hosts train)
${DATA_FLAG_HELP}
  --json                      also {"url", "host", "port", "token", "dataFolder"} as the last line of stdout`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...DATA_FLAG,
        port: { type: 'string' },
        host: { type: 'string' },
        'new-token': { type: 'boolean' },
        redis: { type: 'string' },
        'train-here': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const port = values.port === undefined ? null : parsePort(values.port);
    const host = values.host ?? '127.0.0.1';
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const warning = exposureWarning(host, port ?? DEFAULT_PORT, 'use the workbench');
    if (warning) say(`workbench: warning: ${warning}`);
    // Not withService: a failure while closing (a full disk, a damaged database) is said in one line, and the exit is still 0.
    const redis = redisOverride(values.redis, values['train-here'] ?? false);
    const service = await createWorkbenchService({
      dataDir: resolveDataFolder(values.data),
      autoStart: true,
      acceptFilePaths: false,
      redis,
      hostListener: 'server',
    });
    const stopGuarding = guardProcess(say);
    // Listening for the stop from the start: a SIGTERM sent as soon as the URL is printed (or before) stops it cleanly.
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    try {
      const options = { service, host, rendererDir: RENDERER_DIR, hostRoutes: service.hostRoutes };
      let listening;
      try {
        listening = await listenAsBefore(service.dataDir, options, {
          port,
          fallbackPort: DEFAULT_PORT,
          newToken: values['new-token'] ?? false,
          say,
        });
      } catch (err) {
        await service.close().catch(() => undefined);
        throw err;
      }
      const { server, token } = listening;
      const url = `${server.origin}/?token=${token}`;
      process.stdout.write(`Spam Workbench: ${url}\n`);
      if (values.json) printJson({ url, host: server.host, port: server.port, token, dataFolder: service.dataDir });
      if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) say(`workbench: ${NOT_BUILT}`);
      const hostsLine = hostsSetUp(service.trainingHosts.view(), server.origin, token, isLoopback(server.host));
      if (hostsLine) say(hostsLine);
      say(`data folder: ${service.dataDir}\nCtrl-C stops (a run in progress resumes at the next start)`);
      const signal = await stopped;
      say(`${signal}: stopping`);
      // Close what can be closed; whatever fails is one line, and the exit stays 0: the stop was asked for.
      await server.close().catch((err: unknown) => say(`workbench: ${storageMessage(err, 'closing the server')}`));
      await service
        .close()
        .catch((err: unknown) => say(`workbench: ${err instanceof Error ? err.message.split('\n', 1)[0] : String(err)}`));
    } finally {
      stopGuarding();
    }
    return 0;
  },
};

/** What to run on each training host, when this workbench sends runs to hosts (the password stays masked). */
function hostsSetUp(hosts: TrainingHosts, origin: string, token: string, loopback: boolean): string | null {
  if (hosts.redisUrl === null) return null;
  const where = loopback
    ? '\n  (this workbench listens on this machine only: a host elsewhere reaches it through an SSH tunnel, `ssh -L`, or serve --host)'
    : '';
  const only = hosts.trainHere ? 'here and on the hosts' : 'on the hosts only';
  const password = hosts.redisUrl.includes(':****@') ? ' (the Redis password where **** stands)' : '';
  return `training hosts: runs train ${only}; on each machine run${password}\n  ${workerCommand(hosts.redisUrl, origin, token)}${where}`;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new WorkbenchError(`serve: --port takes a number from 0 to 65535 (0 = a free one), not "${value}"`);
  return port;
}

/**
 * While serving, an error that escaped every handler (a timer, an event handler, a background task) is
 * reported in one line and the server goes on: it must never take the workbench down. Each known source
 * handles its own errors (a failed run, a 4xx/5xx answer); this is the net under them.
 */
function guardProcess(say: (line: string) => void): () => void {
  const onError = (err: unknown) => {
    say(`workbench serve: ${storageMessage(err, 'a background task')}`);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}
