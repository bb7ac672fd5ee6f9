import type { ServerResponse } from 'node:http';

/** A JSON answer; `undefined` (a void method's result) is 204 without a body. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (value === undefined && status < 300) {
    res.writeHead(204).end();
    return;
  }
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** Every refusal has the same shape, `{"error": message}`, which the renderer's client shows as the message. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}
