import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/tempDir.js';

// scripts/native-abi.mjs as npm runs it (pretest, prestart). Only the paths that leave the installed
// better-sqlite3 as it is run on this checkout: other test files load it at the same time. The paths that
// replace it run on a copy of the module in a project of their own.

const root = path.resolve(import.meta.dirname, '..');
const script = path.join(root, 'scripts/native-abi.mjs');
const sandbox = tempDir('wb-native-abi-');

type Fs = { copyFileSync(src: string, dest: string): void; renameSync(from: string, to: string): void };
// Imported by URL: scripts/ is plain JavaScript outside the typechecked projects.
const { abiFromLoadError, beforePack, canUseElectronRebuild, replaceFile } = (await import(pathToFileURL(script).href)) as {
  abiFromLoadError(message: string): number | null;
  beforePack(context: { electronPlatformName: string; arch: number }): Promise<void>;
  canUseElectronRebuild(version: string): boolean;
  replaceFile(src: string, dest: string, fs?: Fs): void;
};

function run(args: string[], cwd = root, file = script) {
  const r = spawnSync(process.execPath, [file, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

function electronInstalled(): boolean {
  try {
    return existsSync(createRequire(import.meta.url)('electron') as string);
  } catch {
    return false;
  }
}

function sqliteVersion(dir: string): string {
  return (JSON.parse(readFileSync(path.join(dir, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
}

describe('native-abi', () => {
  it('node: passes quietly when better-sqlite3 already loads under Node, and keeps that build', () => {
    expect(run(['node'])).toEqual({ status: 0, output: '' });
    const kept = `node_modules/.cache/native-abi/better-sqlite3@${sqliteVersion(root)}/node-${process.versions.modules}/better_sqlite3.node`;
    expect(existsSync(path.join(root, kept))).toBe(true);
  });

  it.skipIf(electronInstalled())('electron: says that Electron is not installed, and fails, where its binary was not downloaded', () => {
    const { status, output } = run(['electron']);
    expect(status).toBe(1);
    expect(output).toMatch(/^native-abi: Electron is not installed: .*ELECTRON_SKIP_BINARY_DOWNLOAD.*npm run serve/);
  });

  it('refuses anything else with its usage', () => {
    expect(run(['python'])).toEqual({ status: 1, output: 'native-abi: usage: node scripts/native-abi.mjs node|electron\n' });
  });

  it('node: reads the binary, not a note beside it — a broken build is replaced by the kept one', () => {
    // A project of its own: the script, better-sqlite3 (its JS and this machine's Node build) and `bindings`.
    const project = path.join(sandbox, 'project');
    const module = path.join(project, 'node_modules/better-sqlite3');
    mkdirSync(path.join(module, 'build/Release'), { recursive: true });
    mkdirSync(path.join(project, 'scripts'), { recursive: true });
    cpSync(script, path.join(project, 'scripts/native-abi.mjs'));
    writeFileSync(path.join(project, 'package.json'), '{"name":"abi-sandbox","private":true}');
    const installed = path.join(root, 'node_modules/better-sqlite3');
    for (const name of ['package.json', 'lib']) cpSync(path.join(installed, name), path.join(module, name), { recursive: true });
    cpSync(path.join(installed, 'build/Release/better_sqlite3.node'), path.join(module, 'build/Release/better_sqlite3.node'));
    for (const dep of ['bindings', 'file-uri-to-path'])
      symlinkSync(path.join(root, 'node_modules', dep), path.join(project, 'node_modules', dep), 'dir');
    const local = path.join(project, 'scripts/native-abi.mjs');

    expect(run(['node'], project, local)).toEqual({ status: 0, output: '' });
    // Another build in place (here a file that is no library at all), with the old script's note saying "Node's".
    const binary = path.join(module, 'build/Release/better_sqlite3.node');
    writeFileSync(binary, 'not a shared library');
    writeFileSync(`${binary}.abi`, `node-${process.versions.modules}`);
    const { status, output } = run(['node'], project, local);
    expect(status).toBe(0);
    expect(output).toBe('native-abi: restored the Node build of better-sqlite3 (the one in place was a missing or broken build)\n');
    expect(existsSync(`${binary}.abi`)).toBe(false);
    const opens = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: project });
    expect(opens.status).toBe(0);
  });
});

describe('native-abi helpers', () => {
  it("reads the ABI a module was built for from Node's and Electron's load errors", () => {
    const node =
      "Error: The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      'was compiled against a different Node.js version using\nNODE_MODULE_VERSION 140. This version of Node.js requires\n' +
      'NODE_MODULE_VERSION 115. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).';
    expect(abiFromLoadError(node)).toBe(140);
    const electron = node
      .replace('NODE_MODULE_VERSION 140', 'NODE_MODULE_VERSION 115')
      .replace('requires\nNODE_MODULE_VERSION 115', 'requires\nNODE_MODULE_VERSION 140');
    expect(abiFromLoadError(electron)).toBe(115);
    expect(abiFromLoadError('Error: invalid ELF header')).toBeNull();
  });

  it('uses @electron/rebuild only on a Node it supports (≥ 22.12), npm rebuild otherwise', () => {
    expect(canUseElectronRebuild('20.19.0')).toBe(false);
    expect(canUseElectronRebuild('22.11.0')).toBe(false);
    expect(canUseElectronRebuild('22.12.0')).toBe(true);
    expect(canUseElectronRebuild('24.1.0')).toBe(true);
  });

  it('replaces a binary by renaming a copy over it, and on Windows moves a loaded one aside first', () => {
    const calls: string[] = [];
    const ok: Fs = { copyFileSync: (a, b) => void calls.push(`copy ${a} ${b}`), renameSync: (a, b) => void calls.push(`rename ${a} ${b}`) };
    replaceFile('/cache/x.node', '/m/x.node', ok);
    expect(calls).toEqual(['copy /cache/x.node /m/x.node.tmp', 'rename /m/x.node.tmp /m/x.node']);

    calls.length = 0;
    let refused = false;
    const windows: Fs = {
      copyFileSync: ok.copyFileSync,
      renameSync: (a, b) => {
        if (b === '/m/x.node' && a.endsWith('.tmp') && !refused) {
          refused = true;
          throw Object.assign(new Error('EPERM: operation not permitted, rename'), { code: 'EPERM' });
        }
        calls.push(`rename ${a} ${b}`);
      },
    };
    replaceFile('/cache/x.node', '/m/x.node', windows);
    expect(calls[0]).toBe('copy /cache/x.node /m/x.node.tmp');
    expect(calls[1]).toMatch(/^rename \/m\/x\.node \/m\/x\.node\.old-\d+-\d+$/);
    expect(calls[2]).toBe('rename /m/x.node.tmp /m/x.node');

    const broken: Fs = {
      copyFileSync: ok.copyFileSync,
      renameSync: () => {
        throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      },
    };
    expect(() => replaceFile('/cache/x.node', '/m/x.node', broken)).toThrow('ENOSPC');
  });

  it("as electron-builder's beforePack hook, builds only for the machine that packages", async () => {
    const other = process.platform === 'win32' ? 'linux' : 'win32';
    await expect(beforePack({ electronPlatformName: other, arch: 1 })).rejects.toThrow(
      new RegExp(`^native-abi: better-sqlite3 is built for the machine that packages: package ${other}-x64 on such a machine`),
    );
    const otherArch = process.arch === 'arm64' ? 1 : 3; // builder-util's Arch: x64 1, arm64 3
    await expect(beforePack({ electronPlatformName: process.platform, arch: otherArch })).rejects.toThrow(
      /built for the machine that packages/,
    );
  });
});
