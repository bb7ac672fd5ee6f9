import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';

// Electron's binary is not installed here, so utilityProcess is a stand-in with its interface
// (EventEmitter with 'message' and 'exit', postMessage, kill, pid, piped stdout/stderr); what
// utilityWorker does with it is the part under test.
class FakeUtilityProcess extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly posted: unknown[] = [];
  killed = 0;
  constructor(public pid: number | undefined) {
    super();
  }
  postMessage(message: unknown) {
    this.posted.push(message);
  }
  kill() {
    this.killed++;
    return true;
  }
}

const electron = vi.hoisted(() => ({ forks: [] as { entry: string; options: Record<string, unknown> }[], next: null as unknown }));
vi.mock('electron', () => ({
  utilityProcess: {
    fork: (entry: string, _args: string[], options: Record<string, unknown>) => {
      electron.forks.push({ entry, options });
      return electron.next;
    },
  },
}));

const { utilityWorker } = await import('../src/main/utilityWorker.js');

function start(pid: number | undefined = 4242) {
  const child = new FakeUtilityProcess(pid);
  electron.next = child;
  const worker = utilityWorker('/app/out/main/worker.js')({ runId: 3, env: { WORKBENCH_BACKEND: 'cpu' } });
  return { child, worker };
}

describe('utilityWorker (the SpawnWorker of the desktop app)', () => {
  it('forks the worker entry with piped output, the run env on top of the app env, and a name per run', () => {
    start();
    const { entry, options } = electron.forks.at(-1)!;
    expect(entry).toBe('/app/out/main/worker.js');
    expect(options.stdio).toBe('pipe');
    expect(options.serviceName).toBe('Spam Workbench training (run 3)');
    expect(options.env).toMatchObject({ WORKBENCH_BACKEND: 'cpu', PATH: process.env.PATH });
  });

  it('passes messages both ways and output line by line', async () => {
    const { child, worker } = start();
    const messages: unknown[] = [];
    const lines: string[] = [];
    worker.onMessage((m) => messages.push(m));
    worker.onOutput((l) => lines.push(l));
    worker.send({ type: 'cancel' });
    expect(child.posted).toEqual([{ type: 'cancel' }]);
    child.emit('message', { type: 'cancelled' });
    expect(messages).toEqual([{ type: 'cancelled' }]);
    child.stdout.end('backend wasm\nepoch 1');
    child.stderr.end('warning\n');
    await Promise.all([once(child.stdout, 'end'), once(child.stderr, 'end')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.sort()).toEqual(['backend wasm', 'epoch 1', 'warning']);
    expect(worker.pid).toBe(4242);
  });

  it('reports the exit once, with its code, after its output ended, and sends nothing after it', async () => {
    const { child, worker } = start();
    const exits: unknown[] = [];
    worker.onExit((e) => exits.push(e));
    child.emit('exit', 1);
    child.emit('exit', 1);
    worker.send({ type: 'cancel' });
    child.stdout.end();
    child.stderr.end();
    await vi.waitFor(() => expect(exits).toEqual([{ code: 1, signal: null }]));
    expect(child.posted).toEqual([]);
  });

  it('stops it with utilityProcess.kill (SIGTERM), and sends another signal by pid', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const { child, worker } = start(sleeper.pid);
      worker.kill();
      expect(child.killed).toBe(1);
      const exited = once(sleeper, 'exit');
      worker.kill('SIGKILL');
      expect(child.killed).toBe(1);
      expect((await exited)[1]).toBe('SIGKILL');
    } finally {
      sleeper.kill();
    }
  });
});
