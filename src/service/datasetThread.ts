import { parentPort } from 'node:worker_threads';
import { WorkbenchError } from '../core/errors.js';
import { DatasetAnalyser } from './datasetAnalysis.js';
import type { DatasetThreadReply, DatasetThreadRequest } from './datasetReader.js';
import { InvalidRequest } from './errors.js';

/*
 * The data-set thread (see datasetReader.ts): reads and validates data files one request at a time,
 * off the service's main thread. Source runs start it through datasetThreadEntry.mjs; the bundled app
 * has it as out/main/datasetThread.js.
 */

const port = parentPort;
if (!port) throw new Error('datasetThread.ts runs as a worker thread');
const analyser = new DatasetAnalyser();

port.on('message', (request: DatasetThreadRequest) => {
  void answer(request).then((reply) => port.postMessage(reply));
});

async function answer(request: DatasetThreadRequest): Promise<DatasetThreadReply> {
  try {
    if (request.op === 'forget') {
      analyser.forget();
      return { id: request.id, ok: true, value: null };
    }
    const value =
      request.op === 'preview'
        ? await analyser.preview(request.source, request.mapping, request.name)
        : await analyser.importFacts(request.source, request.mapping, request.name);
    return { id: request.id, ok: true, value };
  } catch (err) {
    const kind = err instanceof InvalidRequest ? 'invalid' : err instanceof WorkbenchError ? 'user' : 'bug';
    const message = err instanceof Error ? (kind === 'bug' ? (err.stack ?? err.message) : err.message) : String(err);
    return { id: request.id, ok: false, kind, message };
  }
}
