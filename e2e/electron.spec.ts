import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { apiMethodNames } from '../src/common/channels.js';

/*
 * The desktop app itself, through Playwright's Electron launcher: the window, the preload bridge and
 * the tray popup. Needs the Electron binary, which `npm install` skips with ELECTRON_SKIP_BINARY_DOWNLOAD;
 * where it is missing the tests are reported as skipped with that reason.
 */

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

function electronBinary(): string | null {
  try {
    const file = require('electron') as string;
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();

test.describe('Electron app', () => {
  test.skip(binary === null, 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD)');
  test.describe.configure({ mode: 'serial' });

  let app: ElectronApplication;
  let dataDir: string;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    // The app's better-sqlite3 must be Electron's build; the tests after these get Node's back below.
    execFileSync(process.execPath, ['scripts/native-abi.mjs', 'electron'], { cwd: root, stdio: 'inherit' });
    const env = { ...process.env };
    delete env.NODE_ENV;
    execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--logLevel', 'warn'], {
      cwd: root,
      env,
      stdio: 'inherit',
    });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'wb-electron-'));
    // Chromium refuses to start as root (CI containers) without --no-sandbox; renderers still run
    // with sandbox: true and without Node, which is what these tests check.
    const args = process.getuid?.() === 0 ? ['--no-sandbox', root] : [root];
    app = await electron.launch({ executablePath: binary!, args, env: { ...env, WORKBENCH_DATA_DIR: dataDir } });
  });

  test.afterAll(async () => {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    execFileSync(process.execPath, ['scripts/native-abi.mjs', 'node'], { cwd: root, stdio: 'inherit' });
  });

  async function windowAt(hash: string): Promise<Page> {
    await expect.poll(() => app.windows().map((w) => new URL(w.url()).hash)).toContain(hash);
    return app.windows().find((w) => new URL(w.url()).hash === hash)!;
  }

  test('the main window opens on the app page', async () => {
    const main = await app.firstWindow();
    await main.waitForLoadState('domcontentloaded');
    expect(main.url()).toMatch(/out\/renderer\/index\.html$/);
    await expect(main.locator('#app')).not.toBeEmpty();
  });

  test('window.workbench exposes exactly the API methods and onEvent, and the page has no Node', async () => {
    const main = await app.firstWindow();
    const seen = await main.evaluate(() => ({
      keys: Object.keys((globalThis as unknown as { workbench: object }).workbench).sort(),
      require: typeof (globalThis as unknown as { require?: unknown }).require,
      process: typeof (globalThis as unknown as { process?: unknown }).process,
    }));
    expect(seen).toEqual({ keys: [...apiMethodNames, 'onEvent'].sort(), require: 'undefined', process: 'undefined' });
    const info = await main.evaluate(() =>
      (globalThis as unknown as { workbench: { getSystemInfo(): Promise<{ dataFolder: string }> } }).workbench.getSystemInfo(),
    );
    expect(info.dataFolder).toBe(dataDir);
  });

  test('the tray popup loads the /popup route: frameless, above other windows, hidden until asked for', async () => {
    const popup = await windowAt('#/popup');
    await popup.waitForLoadState('domcontentloaded');
    // The popup view, not the workbench: with a fresh data folder it says to train a run first.
    await expect(popup.getByTestId('popup-empty')).toBeAttached();
    const state = await app.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows()
        .filter((w) => w.webContents.getURL().endsWith('#/popup'))
        .map((w) => ({ onTop: w.isAlwaysOnTop(), visible: w.isVisible() })),
    );
    expect(state).toEqual([{ onTop: true, visible: false }]);
  });
});
