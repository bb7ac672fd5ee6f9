// Types of electron-vite's main-process imports (`?asset`) and of ELECTRON_RENDERER_URL.
/// <reference types="electron-vite/node" />
import { app, BrowserWindow, dialog, globalShortcut, ipcMain, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import icon from '../../resources/icon.png?asset';
import trayIcon from '../../resources/trayTemplate.png?asset';
import type { QueueState, WorkbenchEvent } from '../common/api.js';
import { EVENT_CHANNEL } from '../common/channels.js';
import { contentSecurityPolicy } from '../common/csp.js';
import { resolveDataFolder } from '../service/dataFolder.js';
import { createWorkbenchService, type WorkbenchService } from '../service/workbenchService.js';
import { registerApi } from './ipc.js';
import {
  afterMainWindowClosed,
  beforeQuit,
  isTraining,
  onWindowClose,
  quitAnswer,
  quitDecision,
  quitDialog,
  type QuitPhase,
} from './lifecycle.js';
import { Popup } from './popup.js';
import { devServerUrl as rendererDevServerUrl, routeUrl } from './rendererUrl.js';
import { denyPermissions, installCsp, isAppUrl, lockDownWebContents } from './security.js';
import { WorkbenchTray } from './tray.js';
import { utilityWorker } from './utilityWorker.js';
import { secureWebPreferences } from './windowOptions.js';

const POPUP_SHORTCUT = 'CommandOrControl+Shift+Space';

const devServerUrl = rendererDevServerUrl(process.env, app.isPackaged);
const rendererFile = join(import.meta.dirname, '../renderer/index.html');
const appUrl = devServerUrl ?? pathToFileURL(rendererFile).href;
const preloadFile = join(import.meta.dirname, '../preload/index.cjs');
// The training process: electron-vite's second main entry, next to this file (inside app.asar when packaged).
const workerFile = join(import.meta.dirname, 'worker.js');

let mainWindow: BrowserWindow | null = null;
let service: WorkbenchService | null = null;
let queue: QueueState | null = null;
let tray: WorkbenchTray | null = null;
let popup: Popup | null = null;
let phase: QuitPhase = 'open';

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    show: false, // shown once painted, so the user never sees an empty white frame
    icon,
    webPreferences: secureWebPreferences(preloadFile),
  });
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    const training = queue !== null && isTraining(queue);
    if (onWindowClose({ quitting: phase !== 'open', hasTray: tray !== null, training }) === 'hide') {
      event.preventDefault();
      win.hide();
    }
  });
  win.on('closed', () => {
    mainWindow = null;
    if (phase === 'open' && afterMainWindowClosed(process.platform) === 'quit') app.quit();
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
  mainWindow.show();
  mainWindow.focus();
}

function broadcast(event: WorkbenchEvent): void {
  for (const win of BrowserWindow.getAllWindows()) {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
  }
}

function queueChanged(state: QueueState): void {
  queue = state;
  tray?.update(state);
}

async function startService(): Promise<WorkbenchService> {
  // The same data folder as the CLI and `serve` (WORKBENCH_DATA_DIR or the platform's), not
  // Electron's userData, so runs queued from either show up in the other.
  const started = await createWorkbenchService({
    dataDir: resolveDataFolder(),
    spawnWorker: utilityWorker(workerFile),
    autoStart: false,
    appVersion: app.getVersion(),
  });
  started.onEvent((event) => {
    broadcast(event);
    if (event.type === 'queue') queueChanged(event.state);
  });
  try {
    started.startQueue();
  } catch (err) {
    // Another process (`workbench train`, `serve`) runs this folder's queue: browse and queue, train there.
    void dialog.showMessageBox({ type: 'warning', message: 'Training runs elsewhere', detail: (err as Error).message });
  }
  queueChanged(await started.getQueueState());
  return started;
}

function createTray(): void {
  try {
    tray = new WorkbenchTray(trayIcon, {
      open: showMainWindow,
      classify: (anchor) => popup?.toggle(anchor),
      setPaused: (paused) => void service?.setQueuePaused(paused).then(queueChanged),
      quit: () => app.quit(),
    });
    if (queue) tray.update(queue);
  } catch (err) {
    console.warn(`no tray icon (${(err as Error).message}); closing the window quits unless runs are training`);
  }
}

/** The quit the user asked for: asks first while a run trains, then closes the service. */
async function confirmQuit(): Promise<void> {
  phase = 'asking';
  const state = service ? await service.getQueueState() : null;
  if (state && quitDecision(state) === 'ask') {
    const options = quitDialog(state);
    const { response } = mainWindow?.isVisible() ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options);
    if (quitAnswer(response) === 'cancel') {
      phase = 'open';
      return;
    }
  }
  await shutDown();
}

/** Stops training (runs resume from their checkpoints next start), closes the database, then quits for real. */
async function shutDown(): Promise<void> {
  if (phase === 'closing' || phase === 'closed') return;
  phase = 'closing';
  globalShortcut.unregisterAll();
  popup?.destroy();
  tray?.destroy();
  tray = null;
  await service?.close().catch((err: Error) => console.error(`closing the workbench service: ${err.message}`));
  phase = 'closed';
  app.quit();
}

// One instance owns the database and the training queue; a second launch focuses the first.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Sandbox every renderer, including any a later feature forgets to configure.
  app.enableSandbox();
  app.on('second-instance', showMainWindow);
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, (url) => isAppUrl(url, appUrl)));
  // The main window's 'closed' handler decides about quitting; the hidden popup must not count.
  app.on('window-all-closed', () => {});
  app.on('activate', () => {
    if (app.isReady()) showMainWindow();
  });
  app.on('before-quit', (event) => {
    const step = beforeQuit(phase);
    if (step === 'proceed') return;
    event.preventDefault();
    if (step === 'check') void confirmQuit();
  });
  // Ctrl-C in the terminal of `npm start`, or the system stopping the app: no question, runs resume later.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutDown());

  void app.whenReady().then(async () => {
    installCsp(session.defaultSession, contentSecurityPolicy(devServerUrl !== undefined));
    denyPermissions(session.defaultSession);
    try {
      service = await startService();
    } catch (err) {
      dialog.showErrorBox('Spam Workbench cannot start', (err as Error).message);
      app.exit(1);
      return;
    }
    registerApi(ipcMain, service, (event) => isAppUrl(event.senderFrame?.url ?? '', appUrl));
    popup = new Popup(routeUrl(appUrl, '/popup'), preloadFile);
    createTray();
    if (!globalShortcut.register(POPUP_SHORTCUT, () => popup?.toggle())) {
      console.warn(`the popup shortcut ${POPUP_SHORTCUT} is taken by another application; the tray's "Classify…" opens the popup`);
    }
    showMainWindow();
  });
}
