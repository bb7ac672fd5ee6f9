import type { ServerResponse } from 'node:http';
import type { WorkbenchClient } from '../../common/api.js';

/** Proxies and browsers drop an idle connection; a comment line this often keeps the stream open. */
export const KEEP_ALIVE_MS = 15_000;

/** `GET /api/events`: server-sent events, one JSON WorkbenchEvent per message, until the client goes away. */
export function handleEvents(client: Pick<WorkbenchClient, 'onEvent'>, res: ServerResponse): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  // A first line at once, so the client's EventSource opens now rather than with the first event.
  res.write(': connected\n\n');
  const unsubscribe = client.onEvent((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
  const keepAlive = setInterval(() => {
    try {
      res.write(': keep-alive\n\n');
    } catch {
      res.destroy(); // a stream that cannot be written to is over; 'close' stops this timer
    }
  }, KEEP_ALIVE_MS);
  const stop = () => {
    clearInterval(keepAlive);
    unsubscribe();
  };
  res.once('close', stop);
}
