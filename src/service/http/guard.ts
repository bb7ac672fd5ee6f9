import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Why a request is refused before it reaches a route, as a status and a message; null when it may pass. */
export interface Refusal {
  status: number;
  message: string;
}

/** Whether `host` is a loopback address or name, where only this machine can reach the server. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * What a listener beyond loopback says (serve --host, the desktop app's listener for hosts), or null on loopback:
 * `reach` is what the token lets anyone who can reach it do.
 */
export function exposureWarning(host: string, port: number | null, reach: string): string | null {
  if (isLoopback(host)) return null;
  return `listening on ${host}, not only this machine: anyone who can reach port ${port || 'chosen'} and has the token can ${reach}, over unencrypted HTTP`;
}

/** Whether `host` binds every interface (0.0.0.0, ::), where the Host header names whichever address the client used. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** `host:port` as it appears in a URL or a Host header (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * DNS rebinding: a page of evil.example whose name is re-pointed at 127.0.0.1 reaches this server
 * as same-origin, but its requests still say `Host: evil.example:PORT`. So the Host header must
 * name the address the server is bound to (or, on loopback, `localhost`/`127.0.0.1`). A wildcard
 * bind is reached under any of the machine's names; there the token alone guards.
 */
export function checkHost(req: IncomingMessage, boundHost: string, port: number): Refusal | null {
  if (isWildcard(boundHost)) return null;
  const allowed = new Set([hostPort(boundHost, port)]);
  if (isLoopback(boundHost)) for (const name of ['localhost', '127.0.0.1', '::1']) allowed.add(hostPort(name, port));
  const given = req.headers.host?.toLowerCase();
  if (given && allowed.has(given)) return null;
  return { status: 421, message: `this server answers to ${[...allowed].join(' or ')}, not ${given ?? 'a request without a Host header'}` };
}

/**
 * A browser sends `Origin` with every cross-site request (and with same-origin POSTs); only the
 * page this server serves may call it, so any other origin is refused. Requests without `Origin`
 * (curl, scripts, a same-origin GET) pass here and still need the token.
 */
export function checkOrigin(req: IncomingMessage): Refusal | null {
  const origin = req.headers.origin;
  if (origin === undefined || origin === `http://${req.headers.host}`) return null;
  return { status: 403, message: `requests from ${origin} are not allowed; open the workbench from the URL \`workbench serve\` printed` };
}

/** The token as `Authorization: Bearer <token>`, or `?token=` (EventSource and page loads cannot set headers). */
export function checkToken(req: IncomingMessage, url: URL, token: string): Refusal | null {
  const header = req.headers.authorization;
  // The scheme name is case-insensitive (RFC 9110).
  const given = header && /^bearer /i.test(header) ? header.slice('bearer '.length) : url.searchParams.get('token');
  if (given !== null && given !== undefined && sameSecret(given, token)) return null;
  return { status: 401, message: 'missing or wrong token: use the URL with ?token=… that `workbench serve` printed' };
}

// Compares in constant time so the token cannot be guessed byte by byte from response times.
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
