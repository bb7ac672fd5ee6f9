import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { apiMethodNames } from '../src/common/channels.js';

/*
 * The desktop app itself, through Playwright's Electron launcher: the window, the preload bridge,
 * the tray popup and closing without a tray. Needs the Electron binary, which `npm install` skips with
 * ELECTRON_SKIP_BINARY_DOWNLOAD; where it is missing the tests are reported as skipped with that reason.
 * WORKBENCH_E2E=1 makes main expose what a test cannot click (the tray, the global shortcut) as
 * globalThis.workbenchE2E (src/main/index.ts).
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
/** The built app's page (src/main/appProtocol.ts); the popup is the same page at #/popup. */
const APP_PAGE = 'app://workbench/index.html';

interface E2EHooks {
  hasTray(): boolean;
  togglePopup(cursor: { x: number; y: number } | null): void;
  popupBounds(): { x: number; y: number; width: number; height: number } | null;
  primaryWorkArea(): { x: number; y: number; width: number; height: number };
}
// app.evaluate() runs its function in main, where only its own body exists: each one reads the hooks itself.
type WithHooks = typeof globalThis & { workbenchE2E?: E2EHooks };

test.describe('Electron app', () => {
  test.skip(binary === null, 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD)');
  test.describe.configure({ mode: 'serial' });

  let app: ElectronApplication;
  let dataDir: string;
  let env: Record<string, string | undefined>;
  let args: string[];

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    // The app's better-sqlite3 must be Electron's build; the tests after these get Node's back below.
    execFileSync(process.execPath, ['scripts/native-abi.mjs', 'electron'], { cwd: root, stdio: 'inherit' });
    env = { ...process.env, WORKBENCH_E2E: '1' };
    delete env.NODE_ENV;
    execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--logLevel', 'warn'], {
      cwd: root,
      env,
      stdio: 'inherit',
    });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'wb-electron-'));
    // Chromium refuses to start as root (CI containers) without --no-sandbox; renderers still run
    // with sandbox: true and without Node, which is what these tests check.
    args = process.getuid?.() === 0 ? ['--no-sandbox', root] : [root];
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

  /** The main window, found by its URL: the hidden popup is a window of the same page too (at #/popup). */
  async function mainWindow(of: ElectronApplication = app): Promise<Page> {
    const isMain = (w: Page) => w.url().startsWith(APP_PAGE) && new URL(w.url()).hash !== '#/popup';
    await expect.poll(() => of.windows().some(isMain)).toBe(true);
    return of.windows().find(isMain)!;
  }

  test('the main window opens on the app page', async () => {
    const main = await mainWindow();
    await main.waitForLoadState('domcontentloaded');
    expect(main.url()).toMatch(/^app:\/\/workbench\/index\.html(#\/.*)?$/);
    await expect(main.locator('#app')).not.toBeEmpty();
  });

  test('window.workbench exposes exactly the API methods and onEvent, and the page has no Node', async () => {
    const main = await mainWindow();
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

  test('the popup opens centred in the work area when the cursor position is unknown (as on Wayland)', async () => {
    await windowAt('#/popup');
    await expect.poll(() => app.evaluate(() => typeof (globalThis as WithHooks).workbenchE2E)).toBe('object');
    await app.evaluate(() => (globalThis as WithHooks).workbenchE2E!.togglePopup(null));
    const { bounds, workArea, visible } = await app.evaluate(({ BrowserWindow }) => ({
      bounds: (globalThis as WithHooks).workbenchE2E!.popupBounds(),
      workArea: (globalThis as WithHooks).workbenchE2E!.primaryWorkArea(),
      visible: BrowserWindow.getAllWindows().some((w) => w.webContents.getURL().endsWith('#/popup') && w.isVisible()),
    }));
    expect(visible).toBe(true);
    expect(bounds).not.toBeNull();
    expect(Math.abs(bounds!.x + bounds!.width / 2 - (workArea.x + workArea.width / 2))).toBeLessThanOrEqual(1);
    expect(Math.abs(bounds!.y + bounds!.height / 2 - (workArea.y + workArea.height / 2))).toBeLessThanOrEqual(1);
    await app.evaluate(() => (globalThis as WithHooks).workbenchE2E!.togglePopup(null)); // hides it again
  });

  test('without a tray host, closing the main window quits the app (nothing trains)', async () => {
    test.skip(process.platform === 'darwin', 'on macOS an app stays in the dock when its window closes');
    test.setTimeout(120_000);
    await app.close();
    // WORKBENCH_TRAY=off: what the detection concludes on a desktop with no StatusNotifier host (stock GNOME).
    const trayless = await electron.launch({
      executablePath: binary!,
      args,
      env: { ...env, WORKBENCH_DATA_DIR: dataDir, WORKBENCH_TRAY: 'off' },
    });
    app = trayless;
    const main = await mainWindow(trayless);
    await main.waitForLoadState('domcontentloaded');
    await expect.poll(() => trayless.evaluate(() => typeof (globalThis as WithHooks).workbenchE2E)).toBe('object');
    expect(await trayless.evaluate(() => (globalThis as WithHooks).workbenchE2E!.hasTray())).toBe(false);
    const exited = new Promise<number | null>((resolve) => trayless.process().once('exit', (code) => resolve(code)));
    await trayless.evaluate(({ BrowserWindow }) => {
      BrowserWindow.getAllWindows()
        .find((w) => !w.webContents.getURL().endsWith('#/popup'))
        ?.close();
    });
    expect(await exited).toBe(0);
  });
});
