import type { DatasetFile, WorkbenchClient, WorkbenchEvent } from '../../common/api.js';
import { apiMethodNames, EVENTS_PATH, httpPathFor, UPLOAD_PATH } from '../../common/channels.js';
import { retryDelay } from '../lib/backoff.js';

/**
 * The WorkbenchClient of `serve` mode: each method is a POST of its argument tuple to
 * /api/<method>, events come from one EventSource shared by all listeners. `token` is the one
 * `workbench serve` printed in the page's URL. `onConnection` hears whether the workbench answers:
 * false when a request or the event stream fails to reach it, true when it answers again.
 */
export function createHttpClient(token: string, base = '', onConnection: (up: boolean) => void = () => {}): WorkbenchClient {
  /** The last file sent to /api/upload: previews of one file under several mappings send it once. */
  let lastUpload: { base64: string; uploadId: string } | null = null;

  /** A data file's bytes go to `POST /api/upload` as they are, streamed, not as base64 inside JSON; the call names the upload. */
  async function uploaded(file: DatasetFile): Promise<DatasetFile> {
    if (file.base64 === undefined) return file;
    if (lastUpload?.base64 !== file.base64) {
      const res = await fetch(`${base}${UPLOAD_PATH}?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
        body: base64Bytes(file.base64),
      });
      const text = await res.text();
      const body: unknown = text ? parseJson(text) : undefined;
      if (!res.ok) throw new Error(errorMessage(body) ?? `upload: HTTP ${res.status} ${res.statusText}`);
      lastUpload = { base64: file.base64, uploadId: (body as { uploadId: string }).uploadId };
    }
    const { base64: _sent, ...rest } = file;
    return { ...rest, uploadId: lastUpload.uploadId };
  }

  const call =
    (method: (typeof apiMethodNames)[number]) =>
    async (...args: unknown[]): Promise<unknown> => {
      if ((method === 'previewDataset' || method === 'importDataset') && args[0] && typeof args[0] === 'object') {
        args = [await uploaded(args[0] as DatasetFile), ...args.slice(1)];
        // An import moves the upload into the data folder: the next use of the file sends it again.
        if (method === 'importDataset') lastUpload = null;
      }
      let res: Response;
      try {
        res = await fetch(`${base}${httpPathFor(method)}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(args),
        });
      } catch {
        // fetch rejects only when no answer came at all: the server is gone (an HTTP error status resolves).
        reachable(false);
        throw new Error('the workbench is not answering (it has stopped?)');
      }
      reachable(true);
      const text = await res.text();
      const body: unknown = text ? parseJson(text) : undefined;
      if (!res.ok) throw new Error(errorMessage(body) ?? `${method}: HTTP ${res.status} ${res.statusText}`);
      return body;
    };

  const listeners = new Set<(event: WorkbenchEvent) => void>();
  const emit = (event: WorkbenchEvent) => {
    for (const l of [...listeners]) l(event);
  };
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;

  function connect() {
    retry = null;
    // EventSource cannot send headers, so the token goes in the query.
    const stream = new EventSource(`${base}${EVENTS_PATH}?token=${encodeURIComponent(token)}`);
    source = stream;
    stream.onopen = () => {
      const recovered = failures > 0;
      failures = 0;
      onConnection(true);
      // Whatever happened while the stream was down went unheard: the pages reload as if everything changed.
      if (recovered) for (const type of ['runs-changed', 'datasets-changed'] as const) emit({ type });
    };
    stream.onmessage = (message: MessageEvent<string>) => emit(parseJson(message.data) as WorkbenchEvent);
    stream.onerror = () => {
      // Left alone, EventSource retries every 3 s for as long as the page is open; this waits longer each time instead.
      stream.close();
      if (source !== stream) return;
      source = null;
      failures++;
      onConnection(false);
      retry = setTimeout(connect, retryDelay(failures));
    };
  }

  function disconnect() {
    if (retry) clearTimeout(retry);
    retry = null;
    source?.close();
    source = null;
  }

  /** A request's outcome: a failed one says the workbench is gone; an answer while the stream waits to retry reconnects it now. */
  function reachable(up: boolean) {
    onConnection(up);
    if (up && retry) {
      clearTimeout(retry);
      connect();
    }
  }

  const onEvent = (listener: (event: WorkbenchEvent) => void) => {
    listeners.add(listener);
    if (!source && !retry) connect();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) disconnect();
    };
  };

  // The cast is sound because apiMethodNames are exactly WorkbenchApi's keys, and the server checks
  // every argument and result against apiMethods.
  return { ...Object.fromEntries(apiMethodNames.map((m) => [m, call(m)])), onEvent } as unknown as WorkbenchClient;
}

/** base64 → bytes, a chunk at a time (a multiple of 4 characters), so a large file never makes one huge intermediate string. */
function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((base64.length / 4) * 3 - padding);
  const CHUNK = 4 * 65536;
  let at = 0;
  for (let i = 0; i < base64.length; i += CHUNK) {
    const binary = atob(base64.slice(i, i + CHUNK));
    for (let k = 0; k < binary.length; k++) out[at++] = binary.charCodeAt(k);
  }
  return out;
}

/** The token `workbench serve` put in the page's address (`?token=`). */
export function tokenFromUrl(href: string): string {
  return new URL(href).searchParams.get('token') ?? '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorMessage(body: unknown): string | null {
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') return (body as { error: string }).error;
  return typeof body === 'string' && body ? body : null;
}
