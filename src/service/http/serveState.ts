import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../core/atomicWrite.js';
import { WorkbenchError } from '../../core/errors.js';
import { storageMessage } from '../storageErrors.js';
import { newAccessToken } from './accessToken.js';
import { startHttpServer, type HttpServerOptions, type WorkbenchHttpServer } from './server.js';

/*
 * The port and token of the last listener of a data folder (`serve`, or the desktop app's listener for training
 * hosts), so that a restart opens the same URL, an open tab reconnects by itself and a host's command keeps working.
 * The token grants serve's whole API: the file is readable by its owner only.
 */

export const SERVE_STATE_FILE = 'serve.json';

/** A token an earlier version saved may start with '-', which `worker --token` cannot take: such a file counts as unreadable. */
const ServeStateSchema = z.object({ port: z.number().int().min(1).max(65535), token: z.string().min(32).regex(/^[^-]/) });
export type ServeState = z.infer<typeof ServeStateSchema>;

/** The last serve's port and token; null when there was none or the file is unreadable (a new token is then made). */
export async function readServeState(dataDir: string): Promise<ServeState | null> {
  const text = await readFile(path.join(dataDir, SERVE_STATE_FILE), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = ServeStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function writeServeState(dataDir: string, state: ServeState): Promise<void> {
  await writeFileAtomic(path.join(dataDir, SERVE_STATE_FILE), async (file) => {
    await file.chmod(0o600);
    await file.writeFile(`${JSON.stringify(state)}\n`);
  });
}

export interface ListenAsBefore {
  /** A port asked for; null: the last one when it is free, else `fallbackPort`, else a free one. */
  port: number | null;
  fallbackPort: number;
  /** A new token instead of the last one (`serve --new-token`): commands and pages with the old one stop working. */
  newToken: boolean;
  /** Where a failure to keep the port and token is said. */
  say(line: string): void;
}

/** Listens with the data folder's last token and port (see above), and keeps them for the next start. */
export async function listenAsBefore(
  dataDir: string,
  options: Omit<HttpServerOptions, 'port' | 'token'>,
  { port, fallbackPort, newToken, say }: ListenAsBefore,
): Promise<{ server: WorkbenchHttpServer; token: string }> {
  const last = await readServeState(dataDir);
  const token = (!newToken && last?.token) || newAccessToken();
  const candidates = port !== null ? [port] : last ? [...new Set([last.port, fallbackPort, 0])] : [fallbackPort];
  const server = await firstFree(candidates, { ...options, token });
  await writeServeState(dataDir, { port: server.port, token }).catch((err: unknown) =>
    say(`workbench: ${storageMessage(err, 'keeping the port and token for the next start')}`),
  );
  return { server, token };
}

/** Listens on the first of `ports` that is free; the last one's refusal is the error. */
async function firstFree(ports: number[], options: Omit<HttpServerOptions, 'port'>): Promise<WorkbenchHttpServer> {
  for (const [i, port] of ports.entries()) {
    try {
      return await startHttpServer({ ...options, port });
    } catch (err) {
      const inUse = (err as Error & { cause?: NodeJS.ErrnoException }).cause?.code === 'EADDRINUSE';
      if (!inUse || i === ports.length - 1) throw err;
    }
  }
  throw new WorkbenchError('no port to listen on');
}
