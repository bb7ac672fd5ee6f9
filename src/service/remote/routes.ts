import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { z } from 'zod';
import { AttachSchema, HeartbeatSchema, REMOTE_PATH, ReportSchema } from '../../common/hostProtocol.js';
import { bytesNeeded } from '../diskSpace.js';
import { InvalidRequest, NotFound } from '../errors.js';
import { readBody } from '../http/body.js';
import { errorLine, statusOf } from '../http/errorStatus.js';
import { sendError, sendJson } from '../http/respond.js';
import { runPaths, type RunFolders } from '../runFiles.js';
import type { RunStore } from '../runStore.js';
import { NotReady, type Coordinator } from './coordinator.js';
import { AttemptGone } from './remoteRun.js';
import { receiveRunFile, runFileKind, sendFile, UploadTooLarge } from './runFileTransfer.js';

/** What the routes of training hosts reach: the coordinator, and where the data and run folders are. */
export interface HostRoutes {
  coordinator: Coordinator;
  dataDir: string;
  /** The folder holding this database's run folders. */
  runsRoot: string;
  /** The bytes a run may write at most (its checkpoints and classifier): the cap of each upload. */
  uploadLimit(runId: number): number;
}

/** The routes over a service's parts. */
export function hostRoutes(coordinator: Coordinator, store: RunStore, dataDir: string, folders: RunFolders): HostRoutes {
  return {
    coordinator,
    dataDir,
    runsRoot: folders.root,
    uploadLimit(runId) {
      const row = store.get(runId);
      if (!row) throw new NotFound(`no run ${runId}`);
      return uploadLimitOf(row.config, row.parameters?.trainable ?? null);
    },
  };
}

/** Upload cap of a run whose parameters are not known (runs queued by a version before they were counted). */
const UNKNOWN_RUN_LIMIT = 8 * 1024 ** 3;

/** The cap of one upload of a run: no file of it can be larger than all it writes (diskSpace.ts). */
export function uploadLimitOf(config: Parameters<typeof bytesNeeded>[0], trainable: number | null): number {
  return trainable === null ? UNKNOWN_RUN_LIMIT : bytesNeeded(config, trainable);
}

/**
 * Training hosts' side of the HTTP server, under /api/remote (the server has checked the token already): what a
 * host needs of a run it trains (its data set, its last checkpoint) and where its results go. Nothing else of the
 * workbench is reachable here, and a run's files only by the host that trains it now.
 */
export async function handleHostRoute(
  routes: HostRoutes,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
) {
  const { coordinator } = routes;
  const parts = url.pathname.slice(REMOTE_PATH.length + 1).split('/');
  try {
    if (parts[0] === 'hello' && parts.length === 1) return sendJson(res, 200, coordinator.hello());
    if (parts[0] === 'heartbeat' && parts.length === 1) {
      coordinator.heartbeat(await jsonBody(req, HeartbeatSchema));
      return sendJson(res, 204, undefined);
    }
    if (parts[0] === 'datasets' && parts.length === 2 && req.method === 'GET') {
      const file = coordinator.datasetFile(parts[1]);
      return await sendFile(res, path.join(routes.dataDir, 'datasets', `${file.sha256}${file.ext}`));
    }
    if (parts[0] === 'runs' && /^\d{1,15}$/.test(parts[1] ?? '')) {
      const runId = Number(parts[1]);
      if (parts[2] === 'attach' && parts.length === 3)
        return sendJson(res, 200, coordinator.attach(runId, await jsonBody(req, AttachSchema)));
      if (parts[2] === 'report' && parts.length === 3)
        return sendJson(res, 200, coordinator.report(runId, await jsonBody(req, ReportSchema)));
      if (parts[2] === 'files' && parts.length === 5) return await runFile(routes, runId, parts[3], parts[4], url, req, res);
    }
    return sendError(res, 404, `no route for training hosts at ${url.pathname}`);
  } catch (err) {
    if (err instanceof UploadTooLarge) {
      res.setHeader('Connection', 'close');
      return sendError(res, 413, err.message);
    }
    if (err instanceof AttemptGone) return sendError(res, 410, err.message);
    if (err instanceof NotReady) return sendError(res, 503, err.message);
    const status = statusOf(err);
    if (status === 500) log(`training hosts: ${url.pathname}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (res.headersSent) return void res.destroy();
    return sendError(res, status, errorLine(err, url.pathname));
  }
}

/** GET or PUT of a file of the run's checkpoints or classifier, by the host that trains it now. */
async function runFile(
  routes: HostRoutes,
  runId: number,
  folder: string,
  name: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const kind = runFileKind(folder, name);
  const dispatch = url.searchParams.get('dispatch') ?? '';
  const dir = runPaths(routes.runsRoot, runId)[kind.folder];
  if (req.method === 'GET') {
    routes.coordinator.current(runId, dispatch);
    return sendFile(res, path.join(dir, name));
  }
  if (req.method !== 'PUT') {
    res.setHeader('Allow', 'GET, PUT');
    return sendError(res, 405, 'use GET or PUT');
  }
  routes.coordinator.current(runId, dispatch, url.searchParams.get('attempt') ?? '');
  const bytes = await receiveRunFile(req, dir, kind.folder, name, routes.uploadLimit(runId));
  sendJson(res, 200, { bytes });
}

async function jsonBody<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
  if (req.method !== 'POST') throw new InvalidRequest('use POST with a JSON body');
  let json: unknown;
  try {
    json = JSON.parse(await readBody(req));
  } catch (err) {
    throw new InvalidRequest(`the body is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidRequest(`${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}
