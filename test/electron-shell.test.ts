import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiMethods, type SystemInfo, type WorkbenchApi, type WorkbenchClient } from '../src/common/api.js';
import { apiMethodNames } from '../src/common/channels.js';
import { contentSecurityPolicy } from '../src/common/csp.js';
import { createHandler, registerApi } from '../src/main/ipc.js';
import { isAppUrl } from '../src/main/security.js';
import { popupWindowOptions, secureWebPreferences } from '../src/main/windowOptions.js';
import { forkWorker } from '../src/service/trainerHost.js';
import { openService, SMS_MAPPING, tinyRun } from './support/service.js';
import { tempDir } from './support/tempDir.js';

// The Electron binary cannot be downloaded on this machine, so the preload runs against a fake
// `electron` module that records what it was given.
const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(async () => 'from main'), on: vi.fn(), removeListener: vi.fn() },
}));
vi.mock('electron', () => electron);

const repoRoot = join(import.meta.dirname, '..');
// The built app's page: served on app:// by src/main/appProtocol.ts.
const appUrl = 'app://workbench/index.html';

const info: SystemInfo = {
  appVersion: '0.1.0',
  platform: 'linux',
  versions: { node: '22.0.0', electron: '39.0.0', chrome: '142.0.0' },
  backend: null,
  inference: null,
  threads: 2,
  gpu: false,
  dataFolder: null,
  modelCache: [],
  prefixStore: { folder: '/data/prefix-store', entries: 0, bytes: 0, capBytes: 8 * 2 ** 30 },
};

function eventFrom(url: string): IpcMainInvokeEvent {
  return { senderFrame: { url } } as unknown as IpcMainInvokeEvent;
}

describe('electron-vite build', () => {
  let out: string;

  beforeAll(async () => {
    // A temporary outDir, so the test never races a developer's `npm run build` into out/; inside
    // the project, so the bundles' external imports resolve from its node_modules as out/'s do.
    const cache = join(repoRoot, 'node_modules/.cache');
    await mkdir(cache, { recursive: true });
    out = await mkdtemp(join(cache, 'workbench-build-'));
    // vitest sets NODE_ENV=test, which would make Vite bundle Vue's development build.
    const env = { ...process.env };
    delete env.NODE_ENV;
    const cli = join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js');
    await promisify(execFile)(process.execPath, [cli, 'build', '--outDir', out, '--logLevel', 'warn'], {
      cwd: repoRoot,
      env,
    });
  });

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('writes the main, worker, preload and renderer bundles', () => {
    expect(existsSync(join(out, 'main/index.js'))).toBe(true);
    expect(existsSync(join(out, 'main/worker.js'))).toBe(true);
    expect(existsSync(join(out, 'preload/index.cjs'))).toBe(true);
    expect(existsSync(join(out, 'renderer/index.html'))).toBe(true);
  });

  it('main loads the preload and page at the paths the build wrote', async () => {
    const main = await readFile(join(out, 'main/index.js'), 'utf8');
    expect(main).toContain('"../preload/index.cjs"');
    expect(main).toContain('"../renderer"');
    // The page is served on app://workbench/ (src/main/appProtocol.ts), not loaded from file://.
    expect(main).toContain('const APP_SCHEME = "app";');
    expect(main).toContain('const APP_HOST = "workbench";');
    expect(main).not.toContain('loadFile(');
    expect(main).toContain('"worker.js"');
  });

  it('main and the worker import only Node built-ins, electron and packages a packaged app ships', async () => {
    // electron-builder packs `dependencies` and `optionalDependencies`, never devDependencies.
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const shipped = new Set(['electron', ...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const files = (await readdir(join(out, 'main'), { recursive: true })).filter((f) => f.endsWith('.js'));
    const imported = new Set<string>();
    for (const file of files) {
      const code = await readFile(join(out, 'main', file), 'utf8');
      for (const [, spec] of code.matchAll(/(?:from |import\()"([^".][^"]*)"/g)) imported.add(spec);
    }
    const packageOf = (spec: string) =>
      spec
        .split('/')
        .slice(0, spec.startsWith('@') ? 2 : 1)
        .join('/');
    const foreign = [...imported].filter((spec) => !isBuiltin(spec) && !shipped.has(packageOf(spec)));
    expect(imported).toContain('better-sqlite3');
    expect(foreign).toEqual([]);
  });

  it('the bundled training process (what utilityProcess starts) trains a run, here as a Node child process', async () => {
    const { service } = await openService({
      dataDir: tempDir('wb-bundle-'),
      autoStart: false,
      spawnWorker: forkWorker(join(out, 'main/worker.js')),
    });
    const dataset = await service.importDataset(syntheticMessages(), SMS_MAPPING, 'synthetic');
    const [run] = await service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }) });
    service.startQueue();
    await service.whenIdle();
    const detail = await service.getRun(run.id);
    expect(detail.error).toBeNull();
    expect(detail.status).toBe('finished');
    expect(detail.logTail).toMatch(/backend \w+/);
    // Not the pure-JS fallback: the bundle's own tfjs-core works with the wasm backend loaded from node_modules.
    expect(['wasm', 'tfjs-node', 'tfjs-node-gpu']).toContain(detail.backend);
  });

  it("main imports of gpt-tokenizer only GPT-2's r50k_base encoding, the one electron-builder.yml packs", async () => {
    const files = (await readdir(join(out, 'main'), { recursive: true })).filter((f) => f.endsWith('.js'));
    const specs = new Set<string>();
    for (const file of files) {
      const code = await readFile(join(out, 'main', file), 'utf8');
      for (const [, spec] of code.matchAll(/(?:from |import\()"(gpt-tokenizer[^"]*)"/g)) specs.add(spec);
    }
    expect([...specs]).toEqual(['gpt-tokenizer/encoding/r50k_base']);
  });

  it('builds the preload as one CommonJS script that requires nothing but electron', async () => {
    const preload = await readFile(join(out, 'preload/index.cjs'), 'utf8');
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
    const required = [...preload.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(required).toEqual(['electron']);
  });

  it('puts the production CSP in a meta tag ahead of every script', async () => {
    const html = await readFile(join(out, 'renderer/index.html'), 'utf8');
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
    expect(meta?.[1]?.replaceAll('&#39;', "'")).toBe(contentSecurityPolicy());
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
  });
});

/** 120 short labelled messages, tab-separated like the SMS Spam Collection. */
function syntheticMessages() {
  const lines = Array.from({ length: 120 }, (_, i) =>
    i % 2 ? `spam\tWIN a free prize number ${i}, call now to claim cash` : `ham\tsee you at lunch ${i}, bring the notes`,
  );
  return { name: 'synthetic.tsv', base64: Buffer.from(lines.join('\n')).toString('base64') };
}

describe('window security', () => {
  it('isolates, sandboxes and keeps Node out of the renderer', () => {
    expect(secureWebPreferences('/app/preload/index.cjs')).toEqual({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
  });

  it('gives the tray popup the same secure webPreferences, frameless and above other windows', () => {
    const options = popupWindowOptions('/app/preload/index.cjs');
    expect(options.webPreferences).toEqual(secureWebPreferences('/app/preload/index.cjs'));
    expect(options).toMatchObject({ frame: false, alwaysOnTop: true, show: false, skipTaskbar: true, resizable: false });
  });

  it('has a CSP limited to the app origin, without eval', () => {
    for (const policy of [contentSecurityPolicy(), contentSecurityPolicy(true)]) {
      expect(policy).toMatch(/(^|; )default-src 'self'(;|$)/);
      expect(policy).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(policy).not.toContain('unsafe-eval');
      expect(policy).not.toMatch(/https?:|\*/);
    }
    expect(contentSecurityPolicy()).not.toContain('unsafe-inline');
  });

  it('treats only the app page as the app', () => {
    expect(isAppUrl(`${appUrl}#/runs`, appUrl)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', appUrl)).toBe(false);
    expect(isAppUrl('app://elsewhere/index.html', appUrl)).toBe(false);
    expect(isAppUrl('file:///opt/workbench/out/renderer/index.html', 'file:///opt/workbench/out/renderer/index.html')).toBe(true);
    expect(isAppUrl('https://example.com/', appUrl)).toBe(false);
    expect(isAppUrl('not a url', appUrl)).toBe(false);
    expect(isAppUrl('http://localhost:5173/src/main.ts', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
  });
});

describe('preload', () => {
  it('exposes exactly the WorkbenchApi methods, each on its own channel, and the event subscription', async () => {
    await import('../src/preload/index.js');

    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    const [key, api] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as [string, Record<string, unknown>];
    expect(key).toBe('workbench');
    expect(Object.keys(api).sort()).toEqual([...Object.keys(apiMethods), 'onEvent'].sort());
    expect(Object.values(api).every((f) => typeof f === 'function')).toBe(true);

    await expect((api as unknown as WorkbenchApi).getSystemInfo()).resolves.toBe('from main');
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith('workbench:getSystemInfo');

    // Events reach the page's listener without the IPC event object, and unsubscribing removes the listener.
    const seen: unknown[] = [];
    const stop = (api as unknown as WorkbenchClient).onEvent((e) => seen.push(e));
    const [channel, forward] = electron.ipcRenderer.on.mock.calls[0] as unknown as [string, (...a: unknown[]) => void];
    expect(channel).toBe('workbench-event');
    forward({ sender: 'secret' }, { type: 'runs-changed' });
    expect(seen).toEqual([{ type: 'runs-changed' }]);
    stop();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith('workbench-event', forward);
  });
});

describe('IPC handlers', () => {
  const trusted = (event: IpcMainInvokeEvent) => isAppUrl(event.senderFrame?.url ?? '', appUrl);

  function fakeApi(result: unknown = info) {
    // Only getSystemInfo is called by these tests; the handlers are generic over the method.
    const getSystemInfo = vi.fn(async () => result as SystemInfo);
    return Object.assign({} as WorkbenchApi, { getSystemInfo });
  }

  it('returns the validated result of a valid call', async () => {
    const api = fakeApi();
    await expect(createHandler(api, 'getSystemInfo', trusted)(eventFrom(appUrl))).resolves.toEqual(info);
  });

  it('rejects invalid arguments with a message naming the method, without calling it', async () => {
    const api = fakeApi();
    const call = createHandler(api, 'getSystemInfo', trusted)(eventFrom(appUrl), { unexpected: true });
    await expect(call).rejects.toThrow(
      /^workbench:getSystemInfo: invalid arguments \(1 argument given\):\n.*expected array to have <=0 items/,
    );
    expect(api.getSystemInfo).not.toHaveBeenCalled();
  });

  it('refuses a caller that is not the app page', async () => {
    const api = fakeApi();
    const call = createHandler(api, 'getSystemInfo', trusted)(eventFrom('https://evil.example/'));
    await expect(call).rejects.toThrow(/workbench:getSystemInfo refused: .*https:\/\/evil\.example/);
    expect(api.getSystemInfo).not.toHaveBeenCalled();
  });

  it('does not pass on a result the contract does not promise', async () => {
    const api = fakeApi({ ...info, backend: 42 });
    const call = createHandler(api, 'getSystemInfo', trusted)(eventFrom(appUrl));
    await expect(call).rejects.toThrow(/invalid result:\n[\s\S]*at backend/);
  });

  it('registers one handler per api method, on workbench:<method>', () => {
    const ipcMain = { handle: vi.fn() };
    registerApi(ipcMain, fakeApi(), trusted);
    expect(ipcMain.handle.mock.calls.map(([channel]) => channel)).toEqual(apiMethodNames.map((m) => `workbench:${m}`));
  });
});

describe('packaging (electron-builder.yml)', () => {
  const config = () => readFile(join(repoRoot, 'electron-builder.yml'), 'utf8');

  it('builds better-sqlite3 for Electron in its own hook, so the optional tfjs-node packages are never rebuilt', async () => {
    const text = await config();
    expect(text).toMatch(/^npmRebuild: false$/m);
    expect(text).toMatch(/^beforePack: \.\/scripts\/native-abi\.mjs$/m);
  });

  it('turns off RunAsNode, NODE_OPTIONS and --inspect in the packaged app', async () => {
    const fuses = (await config()).split('electronFuses:')[1].split(/^\S/m)[0];
    for (const fuse of [
      'runAsNode',
      'enableNodeOptionsEnvironmentVariable',
      'enableNodeCliInspectArguments',
      'grantFileProtocolExtraPrivileges',
    ]) {
      expect(fuses).toMatch(new RegExp(`^  ${fuse}: false$`, 'm'));
    }
  });

  it("packs only the target platform's ONNX Runtime binaries, and a mac and a Windows icon", async () => {
    const text = await config();
    expect(text).toContain("'!**/node_modules/onnxruntime-node/bin/napi-v*/!(${platform})/**'");
    expect(text).toContain("'!**/node_modules/onnxruntime-node/bin/napi-v*/${platform}/!(${arch})/**'");
    expect(text).toMatch(/^mac:\n(?:  .*\n)*  icon: resources\/icon\.icns$/m);
    expect(text).toMatch(/^win:\n(?:  .*\n)*  icon: resources\/icon\.ico$/m);
  });

  it('has a 1024 px app icon, an icns and an ico built from it, and coloured tray icons', async () => {
    const png = await readFile(join(repoRoot, 'resources/icon.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1024, 1024]);
    expect((await readFile(join(repoRoot, 'resources/icon.icns'))).subarray(0, 4).toString('latin1')).toBe('icns');
    const ico = await readFile(join(repoRoot, 'resources/icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const tray = await readFile(join(repoRoot, 'resources/tray.ico'));
    expect([tray.readUInt16LE(0), tray.readUInt16LE(2)]).toEqual([0, 1]);
    for (const [file, size] of [
      ['tray.png', 16],
      ['tray@2x.png', 32],
      ['trayTemplate.png', 16],
      ['trayTemplate@2x.png', 32],
    ] as const) {
      const image = await readFile(join(repoRoot, 'resources', file));
      expect([image.readUInt32BE(16), image.readUInt32BE(20)]).toEqual([size, size]);
    }
  });
});
