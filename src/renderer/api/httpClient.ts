import type { WorkbenchClient, WorkbenchEvent } from '../../common/api.js';
import { apiMethodNames, EVENTS_PATH, httpPathFor } from '../../common/channels.js';

/**
 * The WorkbenchClient of `serve` mode: each method is a POST of its argument tuple to
 * /api/<method>, events come from one EventSource shared by all listeners. `token` is the one
 * `workbench serve` printed in the page's URL.
 */
export function createHttpClient(token: string, base = ''): WorkbenchClient {
  const call =
    (method: (typeof apiMethodNames)[number]) =>
    async (...args: unknown[]): Promise<unknown> => {
      const res = await fetch(`${base}${httpPathFor(method)}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(args),
      });
      const text = await res.text();
      const body: unknown = text ? parseJson(text) : undefined;
      if (!res.ok) throw new Error(errorMessage(body) ?? `${method}: HTTP ${res.status} ${res.statusText}`);
      return body;
    };

  const listeners = new Set<(event: WorkbenchEvent) => void>();
  let source: EventSource | null = null;
  const onEvent = (listener: (event: WorkbenchEvent) => void) => {
    listeners.add(listener);
    if (!source) {
      // EventSource cannot send headers, so the token goes in the query; it reconnects by itself.
      source = new EventSource(`${base}${EVENTS_PATH}?token=${encodeURIComponent(token)}`);
      source.onmessage = (message: MessageEvent<string>) => {
        const event = parseJson(message.data) as WorkbenchEvent;
        for (const l of [...listeners]) l(event);
      };
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        source?.close();
        source = null;
      }
    };
  };

  // The cast is sound because apiMethodNames are exactly WorkbenchApi's keys, and the server checks
  // every argument and result against apiMethods.
  return { ...Object.fromEntries(apiMethodNames.map((m) => [m, call(m)])), onEvent } as unknown as WorkbenchClient;
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
