import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// scripts/native-abi.mjs as npm runs it (pretest, prestart). Only the paths that leave the installed
// better-sqlite3 as it is run here: other test files load it at the same time.

const root = path.resolve(import.meta.dirname, '..');
const script = path.join(root, 'scripts/native-abi.mjs');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

function electronInstalled(): boolean {
  try {
    return existsSync(createRequire(import.meta.url)('electron') as string);
  } catch {
    return false;
  }
}

describe('native-abi', () => {
  it('node: passes quietly when better-sqlite3 already loads under Node, and keeps that build', () => {
    expect(run('node')).toEqual({ status: 0, output: '' });
    expect(existsSync(path.join(root, `node_modules/.cache/native-abi/node-${process.versions.modules}/better_sqlite3.node`))).toBe(true);
  });

  it.skipIf(electronInstalled())('electron: says that Electron is not installed, and fails, where its binary was not downloaded', () => {
    const { status, output } = run('electron');
    expect(status).toBe(1);
    expect(output).toMatch(/^native-abi: Electron is not installed: .*ELECTRON_SKIP_BINARY_DOWNLOAD.*npm run serve/);
  });

  it('refuses anything else with its usage', () => {
    expect(run('python')).toEqual({ status: 1, output: 'native-abi: usage: node scripts/native-abi.mjs node|electron\n' });
  });
});
