import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from '../../src/cli/bench/serveProcess.js';
import { sharedPath, SMS_SPAM_COLLECTION } from './shared.js';

export { REPO_ROOT };

/** How a `workbench` process ended: exit code (null if killed by a signal) and everything it printed. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to (and overriding) this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Sees stderr so far each time more arrives (for signalling a running process). */
  onStderr?: (soFar: string, pid: number) => void;
}

/** Runs the CLI as users do, `node bin/workbench.mjs ...args` from the repository root, and waits for it to end. */
export function runWorkbench(args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/workbench.mjs', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      options.onStderr?.(stderr, child.pid!);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last line of stdout as JSON, after checking that the process exited with 0 (stderr is the failure message). */
export function lastJson(run: Run): Record<string, unknown> {
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** Train flags of a run that trains in a few seconds: a random-weight 2-block GPT-2, 64 wide, on 32-token inputs. */
export const TINY_RUN_FLAGS = [
  '--model',
  'custom:2,64,4,64',
  '--weights',
  'random',
  '--trainable',
  'all',
  '--lr',
  '1e-3',
  '--max-length',
  '32',
  '--eval-every',
  '5',
  '--eval-batches',
  '1',
];

/** --dataset flags for a fresh file in `dir` holding the first 300 messages of the real SMS Spam Collection (../shared). */
export function smsSliceFlags(dir: string, name: string): string[] {
  const slice = path.join(dir, name);
  writeFileSync(slice, readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split('\n').slice(0, 300).join('\n'));
  return ['--dataset', slice, '--delimiter', 'tab', '--text-column', '1', '--label-column', '0'];
}
