import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../core/atomicWrite.js';

/*
 * The address and token of the last `serve` of a data folder, so that a restart opens the same URL and an open tab
 * reconnects by itself. The token grants the whole API: the file is readable by its owner only.
 */

export const SERVE_STATE_FILE = 'serve.json';

const ServeStateSchema = z.object({ port: z.number().int().min(1).max(65535), token: z.string().min(32) });
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
