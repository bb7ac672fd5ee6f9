import os from 'node:os';
import { parseArgs } from 'node:util';
import { defaultCacheDir } from '../../core/cacheDir.js';
import { WorkbenchError } from '../../core/errors.js';
import { resolveDataFolder } from '../../service/dataFolder.js';
import { checkHostName } from '../../service/hosts.js';
import { startTrainingHost } from '../../service/remote/host.js';
import { spawnNodeWorker } from '../../service/trainerHost.js';
import { parseRedisUrl } from '../../service/trainingHosts.js';
import { versionFromPackage } from '../../service/workbenchService.js';
import type { Command } from '../command.js';
import { DATA_FLAG, DATA_FLAG_HELP } from '../serviceSession.js';

const DEFAULT_LEASE_SECONDS = 30;

export const workerCommand: Command = {
  name: 'worker',
  summary: 'a training host: train the queued runs of a workbench on this machine (its Redis queue), until Ctrl-C',
  usage: `workbench worker --redis URL --workbench URL --token TOKEN [--name NAME] [--data DIR] [--lease SECONDS]

Takes the runs of the workbench at --workbench (the URL \`workbench serve --redis …\` printed) from its queue
on Redis, one at a time, and trains each here in a training process, as \`queue run\` does: the data set
comes from the workbench (cached here by its sha256), GPT-2's weights from this machine's cache or the
download. Progress, each epoch's checkpoint and the classifier go back to the workbench, which keeps the
record. Ctrl-C (or SIGTERM) stops: the run goes back to the queue and resumes, on this or another host,
from its last uploaded checkpoint.
  --redis URL                 the workbench's Redis: redis://[user:password@]host[:port][/db], or rediss:// (TLS)
  --workbench URL             the workbench that owns the runs, e.g. http://127.0.0.1:8765 (an SSH tunnel to it)
  --token TOKEN               its token (the ?token= of the URL serve printed)
  --name NAME                 this host's name in the workbench (default: the machine's name)
  --lease SECONDS             a host silent this long loses its run to another host (default ${DEFAULT_LEASE_SECONDS})
${DATA_FLAG_HELP}`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...DATA_FLAG,
        redis: { type: 'string' },
        workbench: { type: 'string' },
        token: { type: 'string' },
        name: { type: 'string' },
        lease: { type: 'string' },
      },
    });
    if (!values.redis || !values.workbench || !values.token)
      throw new WorkbenchError('worker: --redis, --workbench and --token are needed');
    const redisUrl = parseRedisUrl(values.redis, '--redis');
    const say = (line: string) => process.stderr.write(`workbench worker: ${line}\n`);
    const host = await startTrainingHost({
      redisUrl,
      workbench: workbenchUrl(values.workbench),
      token: values.token,
      name: hostName(values.name),
      dataDir: resolveDataFolder(values.data),
      cacheDir: defaultCacheDir(),
      version: versionFromPackage(),
      leaseMs: leaseSeconds(values.lease) * 1000,
      spawnWorker: spawnNodeWorker,
      say,
    });
    const stop = (signal: NodeJS.Signals) => void host.stop(signal);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return host.stopped;
  },
};

function workbenchUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WorkbenchError(`worker: --workbench "${text}" is not a URL (e.g. http://127.0.0.1:8765)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WorkbenchError(`worker: --workbench "${text}" is not an http(s) URL`);
  return new URL(url.origin);
}

function hostName(given: string | undefined): string {
  const name = given ?? os.hostname().split('.')[0];
  try {
    return checkHostName(name);
  } catch (err) {
    throw new WorkbenchError(`worker: --name: ${(err as Error).message}`);
  }
}

function leaseSeconds(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LEASE_SECONDS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600)
    throw new WorkbenchError(`worker: --lease takes seconds from 1 to 3600, not "${text}"`);
  return seconds;
}
