import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { portChannel } from '../src/worker/channel.js';

/*
 * The training process talks to the service over whichever transport started it: a Node child's
 * IPC channel (CLI, serve) or Electron's utilityProcess parentPort (desktop app). The child path
 * runs for real here; Electron's port is stood in for by the same shape ({ data } events).
 */

const tsChild = path.join(import.meta.dirname, 'support/tsChild.mjs');
const echo = path.join(import.meta.dirname, 'support/channelEcho.ts');
const children: ChildProcess[] = [];

function startEcho(env: Record<string, string> = {}): ChildProcess {
  const child = fork(tsChild, [echo], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return child;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
});

describe('worker channel', () => {
  it('as a Node child process: receives over process.on("message") and answers over process.send', async () => {
    const child = startEcho();
    child.send({ type: 'cancel' });
    const [reply] = await once(child, 'message');
    expect(reply).toEqual({ type: 'stage', stage: 'dataset', message: '{"type":"cancel"}' });
  });

  it('as a Node child process: exits with code 1 when the service disconnects', async () => {
    const child = startEcho();
    child.send({ type: 'cancel' });
    await once(child, 'message');
    child.disconnect();
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
  });

  it('prefers process.parentPort when Electron provides one', async () => {
    const child = startEcho({ ECHO_VIA_PORT: '1' });
    child.send({ type: 'cancel' });
    const [reply] = await once(child, 'message');
    expect(reply).toEqual({ viaPort: true, message: { type: 'stage', stage: 'dataset', message: '{"type":"cancel"}' } });
  });

  it('over a port: unwraps the event data and posts replies as they are', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const channel = portChannel({
        postMessage: (m) => port1.postMessage(m),
        on: (_event, listener) => port1.on('message', (data: unknown) => listener({ data })),
      });
      const received = new Promise((resolve) => channel.onMessage(resolve));
      port2.postMessage({ type: 'cancel' });
      expect(await received).toEqual({ type: 'cancel' });
      const reply = once(port2, 'message');
      await channel.send({ type: 'cancelled' });
      expect((await reply)[0]).toEqual({ type: 'cancelled' });
    } finally {
      port1.close();
    }
  });
});
