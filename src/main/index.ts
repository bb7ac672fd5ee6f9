import { app, BrowserWindow, dialog, globalShortcut, ipcMain, net, protocol, screen, session } from 'electron';
import { join } from 'node:path';
import icon from '../../resources/icon.png?asset';
import trayIco from '../../resources/tray.ico?asset';
import trayPng from '../../resources/tray.png?asset';
import trayTemplate from '../../resources/trayTemplate.png?asset';
import type { QueueState, WorkbenchEvent } from '../common/api.js';
import { EVENT_CHANNEL } from '../common/channels.js';
import { contentSecurityPolicy } from '../common/csp.js';
import { resolveDataFolder } from '../service/dataFolder.js';
import { redisOverride } from '../service/trainingHosts.js';
import type { WorkbenchService } from '../service/workbenchService.js';
import { APP_SCHEME_PRIVILEGES, APP_URL, serveApp } from './appProtocol.js';
import { ClassifierWarmup, jsonSetting, reportingClassify } from './classifierWarmup.js';
import { startDesktopService, type DesktopService } from './desktopService.js';
import { hasReachableTray, isWayland, shortcutFailure, trayIconName, withFeature, type Point } from './desktop.js';
import { registerApi } from './ipc.js';
import {
  afterMainWindowClosed,
  beforeQuit,
  isTraining,
  onWindowClose,
  quitAnswer,
  quitDecision,
  quitDialog,
  quitDialogHost,
  showRequest,
  shutdownSignals,
  signalAction,
  type QuitPhase,
} from './lifecycle.js';
import { Popup } from './popup.js';
import { devServerUrl as rendererDevServerUrl, routeUrl } from './rendererUrl.js';
import { denyPermissions, installCsp, isAppUrl, lockDownWebContents } from './security.js';
import { WorkbenchTray } from './tray.js';
import { probeTrayHost } from './trayHost.js';
import { utilityWorker } from './utilityWorker.js';
import { secureWebPreferences } from './windowOptions.js';

const POPUP_SHORTCUT = 'CommandOrControl+Shift+Space';
/** After the main window is painted, the popup's classifier loads in the background this much later. */
const WARMUP_DELAY_MS = 3000;

const devServerUrl = rendererDevServerUrl(process.env, app.isPackaged);
const rendererDir = join(import.meta.dirname, '../renderer');
const appUrl = devServerUrl ?? APP_URL;
const preloadFile = join(import.meta.dirname, '../preload/index.cjs');
// The training process: electron-vite's second main entry, next to this file (inside app.asar when packaged).
const workerFile = join(import.meta.dirname, 'worker.js');
const trayIcons = { 'trayTemplate.png': trayTemplate, 'tray.png': trayPng, 'tray.ico': trayIco };

const wayland = isWayland(process.platform, process.env, app.commandLine.getSwitchValue('ozone-platform'));
if (process.platform === 'linux') {
  // On Wayland, global shortcuts exist only through the desktop's GlobalShortcuts portal, which Chromium
  // uses when this feature is on (it must be set before 'ready'; X11 ignores it).
  app.commandLine.appendSwitch('enable-features', withFeature(app.commandLine.getSwitchValue('enable-features'), 'GlobalShortcutsPortal'));
}
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

let mainWindow: BrowserWindow | null = null;
let service: WorkbenchService | null = null;
let desktop: DesktopService | null = null;
let queue: QueueState | null = null;
let tray: WorkbenchTray | null = null;
/** Whether a user can reach the app through its tray icon (desktop.ts: hasReachableTray). */
let hasTray = false;
let popup: Popup | null = null;
let warmup: ClassifierWarmup | null = null;
let phase: QuitPhase = 'open';
/** The IPC handlers are registered: the window may open. */
let started = false;

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    show: false, // shown once painted, so the user never sees an empty white frame
    icon,
    webPreferences: secureWebPreferences(preloadFile),
  });
  win.once('ready-to-show', () => {
    win.show();
    setTimeout(() => void warmup?.warm(), WARMUP_DELAY_MS).unref();
  });
  win.on('close', (event) => {
    const training = queue !== null && isTraining(queue);
    const action = onWindowClose({ quitting: phase !== 'open', hasTray, training, platform: process.platform });
    if (action === 'close') return;
    event.preventDefault();
    if (action === 'hide') win.hide();
    else app.quit(); // before-quit asks first while a run trains
  });
  win.on('closed', () => {
    mainWindow = null;
    if (phase === 'open' && afterMainWindowClosed(process.platform) === 'quit') app.quit();
  });
  void win.loadURL(appUrl);
  return win;
}

function showMainWindow(): void {
  if (showRequest(started) === 'after-start') return;
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
  desktop = await startDesktopService({
    dataDir: resolveDataFolder(),
    spawnWorker: utilityWorker(workerFile),
    appVersion: app.getVersion(),
    // WORKBENCH_REDIS_URL outranks the saved setting, as for serve; a bad one stops the start with its one line.
    redis: redisOverride(undefined, false),
    log: (line) => console.error(`workbench: ${line}`),
  });
  const started = desktop.service;
  started.onEvent((event) => {
    broadcast(event);
    if (event.type === 'queue') queueChanged(event.state);
  });
  if (desktop.queueRefusal) {
    // Another process (`workbench train`, `serve`) runs this folder's queue: browse and queue, train there.
    void dialog.showMessageBox({ type: 'warning', message: 'Training runs elsewhere', detail: desktop.queueRefusal.message });
  }
  queueChanged(await started.getQueueState());
  return started;
}

async function createTray(): Promise<void> {
  const host = process.platform === 'linux' ? await probeTrayHost() : 'present';
  hasTray = hasReachableTray(process.platform, host, process.env.WORKBENCH_TRAY);
  if (!hasTray) {
    console.warn(
      `no tray on this desktop (no StatusNotifier host on the session bus${host === 'unknown' ? ', or no gdbus/dbus-send to ask' : ''}): ` +
        'closing the window quits, asking first while a run trains (WORKBENCH_TRAY=on overrides)',
    );
  }
  try {
    // Created even without a host: one may appear later (e.g. GNOME's AppIndicator extension switched on).
    tray = new WorkbenchTray(trayIcons[trayIconName(process.platform)], {
      open: showMainWindow,
      classify: (anchor) => popup?.toggle(anchor),
      setPaused: (paused) => void service?.setQueuePaused(paused).then(queueChanged),
      quit: () => app.quit(),
    });
    if (queue) tray.update(queue);
  } catch (err) {
    hasTray = false;
    console.warn(`no tray icon (${(err as Error).message}); closing the window quits, asking first while a run trains`);
  }
}

function createPopup(): void {
  if (wayland) console.log('Wayland: apps can neither read the cursor nor place windows there, so the popup opens centred');
  popup = new Popup({
    url: routeUrl(appUrl, '/popup'),
    preloadFile,
    cursor: () => (wayland ? null : screen.getCursorScreenPoint()),
    onShow: () => void warmup?.warm(),
  });
  if (!globalShortcut.register(POPUP_SHORTCUT, () => popup?.toggle())) console.warn(shortcutFailure(POPUP_SHORTCUT, wayland));
}

/** The quit the user asked for: asks first while a run trains, then closes the service. */
async function confirmQuit(): Promise<void> {
  phase = 'asking';
  const state = service ? await service.getQueueState() : null;
  if (state && quitDecision(state) === 'ask') {
    const options = quitDialog(state);
    const host = quitDialogHost(process.platform, mainWindow?.isVisible() ?? false);
    if (host.activate) app.focus({ steal: true });
    const { response } =
      host.parent && mainWindow ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options);
    if (phase !== 'asking') return; // a signal shut the app down meanwhile
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
  await desktop?.close().catch((err: Error) => console.error(`closing the workbench service: ${err.message}`));
  phase = 'closed';
  app.quit();
}

/**
 * Ctrl-C in the terminal of `npm start`, the system stopping the app, the terminal closing: no question,
 * runs resume later. Registered after 'ready' on purpose: Electron installs its own handlers for these
 * signals (calling app.quit(), i.e. the question) after the app's script ran, and the first process.on()
 * of a signal is what makes libuv install its handler, replacing Electron's (lifecycle.ts: signalAction).
 */
function installSignalHandlers(): void {
  for (const signal of shutdownSignals(process.platform)) {
    process.on(signal, () => {
      if (signalAction(phase) === 'exit-now') app.exit(1);
      else void shutDown();
    });
  }
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
  // A dock click; before start-up has finished, start-up opens the window itself (showRequest).
  app.on('activate', showMainWindow);
  app.on('before-quit', (event) => {
    const step = beforeQuit(phase);
    if (step === 'proceed') return;
    event.preventDefault();
    if (step === 'check') void confirmQuit();
  });

  void app.whenReady().then(async () => {
    installSignalHandlers();
    if (!devServerUrl) serveApp(protocol, net, rendererDir, contentSecurityPolicy());
    installCsp(session.defaultSession, contentSecurityPolicy(devServerUrl !== undefined));
    denyPermissions(session.defaultSession);
    try {
      service = await startService();
    } catch (err) {
      dialog.showErrorBox('Spam Workbench cannot start', (err as Error).message);
      app.exit(1);
      return;
    }
    const api = service;
    warmup = new ClassifierWarmup({
      listRuns: () => api.listRuns(),
      classify: (runId, texts) => api.classify(runId, texts),
      setting: jsonSetting(join(app.getPath('userData'), 'popup.json')),
      log: (line) => console.log(line),
    });
    registerApi(
      ipcMain,
      reportingClassify(api, (runId) => warmup?.used(runId)),
      (event) => isAppUrl(event.senderFrame?.url ?? '', appUrl),
    );
    started = true;
    showMainWindow();
    createPopup();
    await createTray();
    if (process.env.WORKBENCH_E2E === '1') exposeForTests();
  });
}

/** What e2e/electron.spec.ts reads and drives in main (WORKBENCH_E2E=1 only): no tray click or shortcut there. */
function exposeForTests(): void {
  Object.assign(globalThis, {
    workbenchE2E: {
      hasTray: () => hasTray,
      togglePopup: (cursor: Point | null) => popup?.toggle(undefined, cursor),
      popupBounds: () => popup?.bounds ?? null,
      primaryWorkArea: () => screen.getPrimaryDisplay().workArea,
      warmup: () => warmup?.state ?? null,
    },
  });
}
