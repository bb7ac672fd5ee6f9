import type { ApiMethodName } from './api.js';

// Method names and channels without zod, so the sandboxed preload that imports them stays a few
// lines of code instead of bundling the schema library it never uses (main validates).

// A record rather than a list: the compiler flags a WorkbenchApi method missing here, and a name
// that is not one.
const methods: { [K in ApiMethodName]: true } = {
  getSystemInfo: true,
  deleteCachedModel: true,
  setPrefixStoreCap: true,
  clearPrefixStore: true,
  listHosts: true,
  getTrainingHosts: true,
  setTrainingHosts: true,
  previewDataset: true,
  importDataset: true,
  listDatasets: true,
  deleteDataset: true,
  planRuns: true,
  createRuns: true,
  listRuns: true,
  getRun: true,
  reorderQueue: true,
  cancelRun: true,
  retryRun: true,
  deleteRun: true,
  setRunTags: true,
  setRunNote: true,
  getQueueState: true,
  setQueuePaused: true,
  compareRuns: true,
  listGroups: true,
  exportRuns: true,
  getRunErrors: true,
  getDisagreements: true,
  classify: true,
  loadClassifier: true,
};

export const apiMethodNames = Object.keys(methods) as ApiMethodName[];

/** Every method has its own channel, `workbench:<method>`; main handles nothing else under that prefix. */
export function channelFor(method: ApiMethodName): `workbench:${ApiMethodName}` {
  return `workbench:${method}`;
}

/** The one channel main sends WorkbenchEvents on (main → renderer only). */
export const EVENT_CHANNEL = 'workbench-event';

/** serve mode: each method is `POST /api/<method>` with the argument tuple as the JSON body. */
export function httpPathFor(method: ApiMethodName): `/api/${ApiMethodName}` {
  return `/api/${method}`;
}

/** serve mode: the event stream (server-sent events, one JSON WorkbenchEvent per message). */
export const EVENTS_PATH = '/api/events';

/**
 * serve mode: `POST /api/upload?name=FILE` with a data file's bytes as the body (streamed, not JSON) answers
 * `{"uploadId", "bytes"}`; previewDataset and importDataset then take `{name, uploadId}` instead of base64.
 */
export const UPLOAD_PATH = '/api/upload';
