import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on 127.0.0.1 with a free port. */
export interface TestServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  /** Stops listening and drops open connections; once closed, later calls do nothing. */
  close(): Promise<void>;
}

const open = new Set<http.Server>();

/** Starts a server answering with `handler`; close it yourself or with `closeAllServers` (e.g. `afterEach(closeAllServers)`). */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => stop(server) };
}

/** Closes every server started by `startServer` that is still open. */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...open].map(stop));
}

async function stop(server: http.Server): Promise<void> {
  if (!open.delete(server)) return;
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
