import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * `workbench serve` as a child process, as a browser or a script meets it: its URL and token, its API calls and
 * uploads, and its peak memory. The import bench measures one; the fault tests start many.
 */

/** The repository's root, where `bin/workbench.mjs` runs from. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A running `workbench serve --json`: the URL it printed (with its token), and how it ends. */
export interface Serving {
  child: ChildProcessWithoutNullStreams;
  url: URL;
  token: string;
  /** The `--json` line: {url, host, port, token, dataFolder}. */
  info: Record<string, unknown>;
  stderr(): string;
  exit: Promise<number | null>;
  /** `POST /api/<method>` with `args` as the JSON body: status and parsed body. */
  call(method: string, args?: unknown[]): Promise<{ status: number; body: unknown }>;
}

export interface ServeOptions {
  /** `--port 0` (default): a free port; false: the port of `args`, or the data folder's last one. */
  freePort?: boolean;
  /** Told of the child as soon as it is spawned (so a caller can end it whatever happens next). */
  spawned?: (child: ChildProcessWithoutNullStreams) => void;
}

/** Starts `workbench serve ...args --json` and resolves once it printed its URL and JSON lines. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}, { freePort = true, spawned }: ServeOptions = {}): Promise<Serving> {
  const child = spawn(process.execPath, ['bin/workbench.mjs', 'serve', ...(freePort ? ['--port', '0'] : []), ...args, '--json'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
  spawned?.(child);
  let stdout = '';
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const match = /^Spam Workbench: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)\n(\{.*\})\n/m.exec(stdout);
      if (!match) return;
      const url = new URL(match[1]);
      const token = url.searchParams.get('token')!;
      const call = async (method: string, callArgs: unknown[] = []) => {
        const res = await fetch(new URL(`/api/${method}`, url), {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(callArgs),
        });
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
      };
      resolve({ child, url, token, info: JSON.parse(match[2]) as Record<string, unknown>, stderr: () => stderr, exit, call });
    });
    void exit.then((code) => reject(new Error(`serve exited with ${code} before printing its URL:\n${stdout}\n${stderr}`)));
  });
}

/** Sends a file's bytes to `POST /api/upload` and returns the upload id. */
export async function upload(s: Serving, name: string, body: Uint8Array | ReadableStream<Uint8Array>): Promise<string> {
  const res = await fetch(new URL(`/api/upload?name=${encodeURIComponent(name)}`, s.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/octet-stream' },
    body,
    duplex: 'half',
  } as RequestInit);
  const reply = (await res.json()) as { uploadId?: string; error?: string };
  if (!res.ok) throw new Error(`upload: ${res.status} ${reply.error}`);
  return reply.uploadId!;
}

/** The process's peak resident memory so far in bytes (Linux's VmHWM), or null where /proc does not tell. */
export function peakRss(pid: number): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}
