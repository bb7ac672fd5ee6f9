import { app, BrowserWindow, ipcMain, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import icon from '../../resources/icon.png?asset';
import { contentSecurityPolicy } from '../common/csp.js';
import { registerApi } from './ipc.js';
import { devServerUrl as rendererDevServerUrl } from './rendererUrl.js';
import { denyPermissions, installCsp, isAppUrl, lockDownWebContents } from './security.js';
import { secureWebPreferences } from './windowOptions.js';
import { createWorkbenchApi } from './workbenchApi.js';

const devServerUrl = rendererDevServerUrl(process.env, app.isPackaged);
const rendererFile = join(import.meta.dirname, '../renderer/index.html');
const appUrl = devServerUrl ?? pathToFileURL(rendererFile).href;
const preloadFile = join(import.meta.dirname, '../preload/index.cjs');

let mainWindow: BrowserWindow | null = null;

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    show: false, // shown once painted, so the user never sees an empty white frame
    icon,
    webPreferences: secureWebPreferences(preloadFile),
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    mainWindow = null;
  });
  void (devServerUrl ? win.loadURL(devServerUrl) : win.loadFile(rendererFile));
  return win;
}

function showMainWindow(): void {
  if (!mainWindow) {
    mainWindow = createMainWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

// One instance owns the database and the training queue; a second launch focuses the first.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Sandbox every renderer, including any a later feature forgets to configure.
  app.enableSandbox();
  app.on('second-instance', showMainWindow);
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, (url) => isAppUrl(url, appUrl)));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady()) showMainWindow();
  });
  void app.whenReady().then(() => {
    installCsp(session.defaultSession, contentSecurityPolicy(devServerUrl !== undefined));
    denyPermissions(session.defaultSession);
    registerApi(ipcMain, createWorkbenchApi(), (event) => isAppUrl(event.senderFrame?.url ?? '', appUrl));
    showMainWindow();
  });
}
