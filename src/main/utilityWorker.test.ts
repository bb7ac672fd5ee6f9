import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { adaptUtilityProcess, type UtilityChild } from './utilityWorker.js';

vi.mock('electron', () => ({ utilityProcess: { fork: vi.fn() } }));

/**
 * Electron's UtilityProcess as lib/browser/api/utility-process.ts has it: stdout/stderr are PassThroughs
 * fed from the pipe; pid is undefined until 'spawn'; on 'exit' it emits, then removes every listener of
 * both streams at once.
 */
class FakeUtilityProcess extends EventEmitter implements UtilityChild {
  pid: number | undefined = undefined;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  posted: unknown[] = [];
  postMessage(message: unknown) {
    this.posted.push(message);
  }
  kill() {
    return true;
  }
  spawned(pid: number) {
    this.pid = pid;
    this.emit('spawn');
  }
  exited(code: number) {
    try {
      this.emit('exit', code);
    } finally {
      this.stdout.removeAllListeners();
      this.stderr.removeAllListeners();
    }
  }
}

describe('a training process as a utility process', () => {
  it("keeps the lines printed after Electron's exit event removed the stream listeners, and reports the exit after them", async () => {
    const child = new FakeUtilityProcess();
    const worker = adaptUtilityProcess(child);
    const lines: string[] = [];
    const events: string[] = [];
    worker.onOutput((line) => lines.push(line));
    worker.onExit((exit) => events.push(`exit ${exit.code} after ${lines.length} lines`));

    child.stdout.write('epoch 1\nstep 3');
    await new Promise((r) => setImmediate(r));
    child.exited(134);
    // What the pipe still held when the process died: V8's last words.
    setImmediate(() => {
      child.stdout.end(' of 9\n');
      child.stderr.end('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(lines).toEqual(['epoch 1', 'step 3 of 9', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory']);
    expect(events).toEqual(['exit 134 after 3 lines']);
  });

  it('reports the exit after a grace period when the output never ends', async () => {
    const child = new FakeUtilityProcess();
    const worker = adaptUtilityProcess(child, 20);
    const exits: unknown[] = [];
    worker.onExit((exit) => exits.push(exit));
    child.stdout.write('half a line');
    await new Promise((r) => setImmediate(r));
    const lines: string[] = [];
    worker.onOutput((line) => lines.push(line));
    child.exited(1);
    await vi.waitFor(() => expect(exits).toEqual([{ code: 1, signal: null }]));
    expect(lines).toEqual(['half a line']);
  });

  it("passes V8's fatal-error event on as an output line, and knows the pid once spawned", () => {
    const child = new FakeUtilityProcess();
    const worker = adaptUtilityProcess(child);
    const lines: string[] = [];
    worker.onOutput((line) => lines.push(line));
    expect(worker.pid).toBeUndefined();
    child.spawned(4242);
    expect(worker.pid).toBe(4242);
    child.emit('error', 'FatalError', 'Reached heap limit', '{"header":{}}');
    expect(lines).toEqual(['training process 4242 running (Electron utility process)', 'FatalError at Reached heap limit']);
  });

  it('sends messages until the process exited', () => {
    const child = new FakeUtilityProcess();
    const worker = adaptUtilityProcess(child, 0);
    worker.send({ type: 'cancel' });
    child.exited(0);
    worker.send({ type: 'cancel' });
    expect(child.posted).toEqual([{ type: 'cancel' }]);
  });
});
