import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A `redis-server` of our own (Debian's redis-server 7, or Valkey's under the same name) on a free 127.0.0.1 port,
 * its data in a temporary folder: for `bench --hosts` and the tests of training hosts.
 */
export interface LocalRedis {
  /** `redis://[:password@]127.0.0.1:PORT` (`rediss://` with TLS). */
  readonly url: string;
  readonly port: number;
  /** The folder holding its data (the AOF files). */
  readonly dir: string;
  /** With `tls`: the CA that signed its certificate (clients trust it with NODE_EXTRA_CA_CERTS). */
  readonly caFile: string | null;
  /** Stops the server (SIGTERM: it writes and closes its AOF; SIGKILL: it dies as it stands). The data stays. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port with the same data (stopping it first if it runs). */
  restart(): Promise<void>;
  /** Stops it and removes its folder; later calls do nothing. */
  close(): Promise<void>;
}

export interface LocalRedisOptions {
  /** `requirepass`: the default user's password. */
  password?: string;
  /** AOF fsynced at every write, so a stop and restart loses nothing acknowledged (default); off: nothing is kept. */
  durable?: boolean;
  /** TLS only (`rediss://`), with a certificate for 127.0.0.1 from a CA made here (`caFile`); needs `openssl`. */
  tls?: boolean;
}

/** The redis-server binary: $REDIS_SERVER, the first on PATH, or null. */
export function redisServerBinary(): string | null {
  const candidates = [process.env.REDIS_SERVER, ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'redis-server'))];
  for (const file of candidates) {
    if (!file) continue;
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here; the next
    }
  }
  return null;
}

export const NO_REDIS_SERVER = 'redis-server is not installed (Debian: `apt-get install redis-server`; or set REDIS_SERVER)';

export async function startLocalRedis({ password, durable = true, tls = false }: LocalRedisOptions = {}): Promise<LocalRedis> {
  const binary = redisServerBinary();
  if (binary === null) throw new Error(NO_REDIS_SERVER);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-redis-'));
  const certificates = tls ? makeCertificates(dir) : null;
  let port = await freePort();
  let child: ChildProcess | null = null;
  // With TLS, the port speaks TLS only (plain `--port 0` is off).
  const listen = () =>
    certificates
      ? ['--port', '0', '--tls-port', String(port), '--tls-auth-clients', 'no', '--tls-cert-file', certificates.cert]
      : ['--port', String(port)];
  const tlsKeys = certificates ? ['--tls-key-file', certificates.key, '--tls-ca-cert-file', certificates.ca] : [];
  const args = () => [
    ...listen(),
    ...tlsKeys,
    ...['--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--logfile', ''],
    ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(password === undefined ? [] : ['--requirepass', password]),
  ];
  const start = async (retries: number): Promise<void> => {
    try {
      child = await launch(binary, args());
    } catch (err) {
      // Another process took the port between freePort and the server's bind: a new port, once or twice.
      if (retries === 0 || !/Address already in use/.test((err as Error).message)) throw err;
      port = await freePort();
      await start(retries - 1);
    }
  };
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const running = child;
    child = null;
    if (running) await terminate(running, signal);
  };
  await start(2);
  let closed = false;
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return {
    get url() {
      return `${certificates ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dir,
    caFile: certificates?.ca ?? null,
    stop,
    async restart() {
      await stop();
      // The port, which clients know, not a new one: the folder's data is this port's.
      await start(0);
    },
    async close() {
      if (closed) return;
      closed = true;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A CA, and a certificate for 127.0.0.1 it signed, made with `openssl` (Node cannot make certificates) in `dir`. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=workbench test CA');
  openssl('req', ...ec, '-keyout', file('redis.key'), '-out', file('redis.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    ...['x509', '-req', '-in', file('redis.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial'],
    ...['-out', file('redis.crt'), '-days', '2', '-extfile', file('san.ext')],
  );
  return { ca: file('ca.crt'), cert: file('redis.crt'), key: file('redis.key') };
}

/** Servers still running: a redis-server outlives the process that started it, so they are killed when this process exits. */
const running = new Set<ChildProcess>();
let killOnExit = false;

/** Spawns the server and waits until it accepts connections (after loading its AOF); rejects with its log if it exits first. */
function launch(binary: string, args: string[]): Promise<ChildProcess> {
  if (!killOnExit) {
    killOnExit = true;
    process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let log = '';
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (!/Ready to accept connections/.test(log)) return;
      child.off('exit', onExit);
      // Its later log is dropped; the streams keep flowing, or a full pipe would block the server.
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      resolve(child);
    };
    const onExit = (code: number | null) => reject(new Error(`redis-server exited (${code}) before it was ready: ${log.trim()}`));
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** A port nobody listens on at this moment (the OS's pick for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
