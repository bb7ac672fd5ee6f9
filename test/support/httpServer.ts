import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A real HTTP(S) server on 127.0.0.1 with a free port. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` (or https), without a trailing slash. */
  url: string;
  /** Stops listening and drops open connections; once closed, later calls do nothing. */
  close(): Promise<void>;
}

type Server = http.Server | https.Server;

const open = new Set<Server>();

/** Starts a server answering with `handler`; close it yourself or with `closeAllServers` (e.g. `afterEach(closeAllServers)`). */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  return listen(http.createServer(handler), 'http');
}

/**
 * Starts an HTTPS server with a self-signed certificate for 127.0.0.1, made with `openssl` (Node
 * cannot make certificates). Clients must trust it: fetch does when NODE_TLS_REJECT_UNAUTHORIZED is
 * "0" in this process (see `trustingSelfSigned`).
 */
export async function startHttpsServer(handler: http.RequestListener): Promise<TestServer> {
  return listen(https.createServer(selfSignedCertificate(), handler), 'https');
}

/** Runs `body` with TLS certificate checks off in this process, as clients of startHttpsServer need. */
export async function trustingSelfSigned<T>(body: () => Promise<T>): Promise<T> {
  const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
  }
}

let certificate: { key: Buffer; cert: Buffer } | undefined;

function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  if (certificate) return certificate;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'test-cert-'));
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    certificate = { key: readFileSync(key), cert: readFileSync(cert) };
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: Server, scheme: 'http' | 'https'): Promise<TestServer> {
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => stop(server) };
}

/** Closes every server started here that is still open. */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...open].map(stop));
}

async function stop(server: Server): Promise<void> {
  if (!open.delete(server)) return;
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
