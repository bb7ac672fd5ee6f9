import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkbenchClient } from '../../common/api.js';
import { EVENTS_PATH, UPLOAD_PATH } from '../../common/channels.js';
import { REMOTE_PATH } from '../../common/hostProtocol.js';
import { WorkbenchError } from '../../core/errors.js';
import { handleHostRoute, type HostRoutes } from '../remote/routes.js';
import { handleApiCall } from './apiRoute.js';
import { handleEvents } from './events.js';
import { checkHost, checkOrigin, checkToken, hostPort, isWildcard } from './guard.js';
import { sendError } from './respond.js';
import { handleStatic } from './staticFiles.js';
import { handleUpload, type UploadReceiver } from './uploadRoute.js';

export interface HttpServerOptions {
  /** The API and its event stream (the workbench service); with `receiveUpload`, `POST /api/upload` too. */
  service: WorkbenchClient & Partial<UploadReceiver>;
  /** Default 127.0.0.1: only this machine can connect. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Every /api request must carry it. */
  token: string;
  /** The built renderer (out/renderer); a missing folder leaves only the API. */
  rendererDir: string;
  /** Where unexpected failures are reported (default stderr). */
  log?: (line: string) => void;
  /** With a coordinator (a Redis URL is set): the routes of training hosts under /api/remote, behind the same token. */
  hostRoutes?: HostRoutes;
  /**
   * Only the routes of training hosts answer (the desktop app's listener for them): its page talks to the
   * service over IPC, so nothing else needs to be reachable, and a host (or whoever holds its token) gets only
   * what a run needs — its config, its data set, its checkpoints — never the API that reads and deletes every run.
   */
  hostsOnly?: boolean;
}

export interface WorkbenchHttpServer {
  host: string;
  port: number;
  /** `http://host:port` to open locally (a wildcard bind is opened through 127.0.0.1), without the token. */
  origin: string;
  /** Stops listening and ends open connections (event streams included). */
  close(): Promise<void>;
}

/** The HTTP transport of the WorkbenchApi for `serve` mode: the API under /api, the renderer everywhere else. */
export async function startHttpServer(options: HttpServerOptions): Promise<WorkbenchHttpServer> {
  const { service, token, rendererDir } = options;
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => process.stderr.write(`workbench serve: ${line}\n`));
  let port = options.port;

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      // The path only: the query may hold the token.
      log(`${req.method} ${(req.url ?? '').split('?')[0]}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      try {
        if (!res.headersSent) sendError(res, 500, 'the server failed unexpectedly');
        else res.destroy();
      } catch {
        res.destroy();
      }
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refusal = checkHost(req, host, port) ?? checkOrigin(req);
    if (refusal) return sendError(res, refusal.status, refusal.message);
    const url = new URL(req.url ?? '/', 'http://workbench.invalid');
    if (options.hostsOnly && !url.pathname.startsWith(`${REMOTE_PATH}/`))
      return sendError(res, 404, `only training hosts are answered here (${REMOTE_PATH}/…): this is the desktop app's listener for them`);
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) return handleStatic(rendererDir, url, req, res);
    const unauthorized = checkToken(req, url, token);
    if (unauthorized) return sendError(res, unauthorized.status, unauthorized.message);
    if (url.pathname === EVENTS_PATH) {
      if (req.method !== 'GET') return sendError(res, 405, `${EVENTS_PATH}: use GET (an EventSource)`);
      return handleEvents(service, res);
    }
    if (url.pathname.startsWith(`${REMOTE_PATH}/`)) {
      if (!options.hostRoutes)
        return sendError(res, 404, 'this workbench takes no training hosts: start it with a Redis URL (serve --redis)');
      return handleHostRoute(options.hostRoutes, url, req, res, log);
    }
    if (url.pathname === UPLOAD_PATH)
      return handleUpload(service.receiveUpload ? (service as UploadReceiver) : undefined, url, req, res, log);
    return handleApiCall(service, url.pathname.slice('/api/'.length), req, res, log);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    origin: `http://${hostPort(isWildcard(host) ? '127.0.0.1' : host, port)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE') return new WorkbenchError(`port ${port} is in use; pass --port 0 for a free one`, { cause: err });
  if (err.code === 'EACCES')
    return new WorkbenchError(`not allowed to listen on port ${port} (ports below 1024 need privileges); pass --port 0 for a free one`, {
      cause: err,
    });
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new WorkbenchError(`cannot listen on ${host}: it is not an address of this machine (${err.code})`, { cause: err });
  }
  return new WorkbenchError(`cannot listen on ${hostPort(host, port)}: ${err.message}`, { cause: err });
}
