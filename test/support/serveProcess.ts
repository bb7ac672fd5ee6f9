import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll } from 'vitest';
import { REPO_ROOT } from './cli.js';

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

const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => started.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')));

/**
 * Starts `workbench serve --port 0 ...args --json` (without `--port 0` when `freePort` is false: the port of
 * `args`, or the data folder's last one) and resolves once it printed its URL and JSON lines.
 */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}, { freePort = true } = {}): Promise<Serving> {
  const child = spawn(process.execPath, ['bin/workbench.mjs', 'serve', ...(freePort ? ['--port', '0'] : []), ...args, '--json'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
  started.push(child);
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
