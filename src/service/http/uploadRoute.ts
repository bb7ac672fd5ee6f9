import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { UPLOAD_PATH } from '../../common/channels.js';
import { MAX_DATA_BYTES } from '../../core/data/textDecoding.js';
import { UploadTooLarge } from '../uploads.js';
import { statusOf } from './errorStatus.js';
import { sendError, sendJson } from './respond.js';

/** What receives an upload: the workbench service (see WorkbenchService.receiveUpload). */
export interface UploadReceiver {
  receiveUpload(source: Readable, name: string): Promise<{ uploadId: string; bytes: number }>;
}

/**
 * `POST /api/upload?name=FILE`: the body is the file's bytes, streamed to a file in the data folder (never
 * held in memory, never base64); the answer `{"uploadId", "bytes"}` names it in previewDataset/importDataset.
 */
export async function handleUpload(
  receiver: UploadReceiver | undefined,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  if (!receiver) return sendError(res, 404, `${UPLOAD_PATH}: this server takes no uploads`);
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendError(res, 405, `${UPLOAD_PATH}: use POST with the file's bytes as the body and ?name=FILE`);
  }
  const name = url.searchParams.get('name') ?? '';
  try {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_DATA_BYTES) throw new UploadTooLarge(MAX_DATA_BYTES);
    sendJson(res, 200, await receiver.receiveUpload(req, name));
  } catch (err) {
    if (err instanceof UploadTooLarge) {
      res.setHeader('Connection', 'close');
      return sendError(res, 413, `${UPLOAD_PATH}: ${err.message}`);
    }
    const status = statusOf(err);
    const message = err instanceof Error ? err.message : String(err);
    if (status === 500) log(`upload failed unexpectedly: ${err instanceof Error ? (err.stack ?? message) : message}`);
    sendError(res, status, `${UPLOAD_PATH}: ${status === 500 ? `failed unexpectedly: ${message.split('\n', 1)[0]}` : message}`);
  }
}
