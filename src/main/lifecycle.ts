import type { QueueState } from '../common/api.js';

/*
 * The desktop app's lifecycle decisions, as pure functions of the app's state so they are unit-tested
 * under Node (src/main/lifecycle.test.ts); index.ts only carries them out.
 */

export interface WindowCloseState {
  /** A quit is under way (confirmed): windows close for real. */
  quitting: boolean;
  /** A tray icon the user can reach (on Linux: a StatusNotifier host shows it; see desktop.ts). */
  hasTray: boolean;
  /** A run is training (or being launched). */
  training: boolean;
  platform: NodeJS.Platform;
}

/**
 * What closing the main window does:
 * - 'hide': with a reachable tray the app lives on in it, on every platform; on macOS also without one
 *   while runs train (the dock icon shows the window again);
 * - 'quit': without a reachable tray (Linux with no StatusNotifier host, stock GNOME) closing is a quit
 *   request: it asks first while a run trains, and Cancel keeps the window; a hidden app nobody can
 *   reach would keep the queue lock;
 * - 'close': during a quit, or on macOS with nothing training (the app stays in the dock).
 */
export function onWindowClose(state: WindowCloseState): 'hide' | 'close' | 'quit' {
  if (state.quitting) return 'close';
  if (state.hasTray) return 'hide';
  if (state.platform === 'darwin') return state.training ? 'hide' : 'close';
  return 'quit';
}

/** After the main window really closed: quit, except on macOS, where apps stay in the dock. */
export function afterMainWindowClosed(platform: NodeJS.Platform): 'quit' | 'stay' {
  return platform === 'darwin' ? 'stay' : 'quit';
}

export function isTraining(queue: QueueState): boolean {
  return queue.running.length > 0;
}

/** Quitting while a run trains asks first; otherwise the app quits at once. */
export function quitDecision(queue: QueueState): 'ask' | 'quit' {
  return isTraining(queue) ? 'ask' : 'quit';
}

export const QUIT_BUTTONS = ['Quit and resume later', 'Cancel'] as const;

/** The question quitDecision's 'ask' puts to the user (Electron MessageBoxOptions). */
export function quitDialog(queue: QueueState) {
  const n = queue.running.length;
  return {
    type: 'question' as const,
    buttons: [...QUIT_BUTTONS],
    defaultId: 1,
    cancelId: 1,
    title: 'Spam Workbench',
    message: n === 1 ? 'A run is training. Quit anyway?' : `${n} runs are training. Quit anyway?`,
    detail:
      'Training stops now and continues from the last saved epoch the next time Spam Workbench starts; ' +
      'progress since that epoch is trained again.',
  };
}

/** The answer to quitDialog: its button index. */
export function quitAnswer(response: number): 'quit' | 'cancel' {
  return QUIT_BUTTONS[response] === 'Quit and resume later' ? 'quit' : 'cancel';
}

/**
 * Where the app is in shutting down. Electron's before-quit comes back for every quit request
 * (tray, menu, Cmd+Q, the system), so each one is looked at in the light of this.
 */
export type QuitPhase = 'open' | 'asking' | 'closing' | 'closed';

/**
 * What a before-quit does: 'check' (hold the quit, ask if needed, then close the service), 'wait'
 * (hold it: the question is open, or the service is closing and quits when done), 'proceed' (let it happen).
 */
export function beforeQuit(phase: QuitPhase): 'check' | 'wait' | 'proceed' {
  if (phase === 'open') return 'check';
  return phase === 'closed' ? 'proceed' : 'wait';
}

/**
 * The signals that stop the app without the quit question (Ctrl-C in the terminal of `npm start`, the
 * system shutting down, the terminal closing). Windows has no SIGTERM; libuv maps Ctrl-Break to SIGBREAK.
 */
export function shutdownSignals(platform: NodeJS.Platform): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGBREAK'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
}

/**
 * What a shutdown signal does. Electron installs its own SIGINT/SIGTERM/SIGHUP handlers (sigaction, after
 * the app's script ran, before 'ready'), which call app.quit() — the quit question — and reset the signal to
 * its default, so a second Ctrl-C killed the app mid-shutdown. index.ts registers its handlers after 'ready',
 * which makes libuv's handler the installed one again, and then: the first signal stops training (runs
 * resume later) and closes the service without asking, even while the question is open; a second one while
 * that is under way exits at once (the user insists; SQLite's WAL keeps the database whole).
 */
export function signalAction(phase: QuitPhase): 'shut-down' | 'exit-now' {
  return phase === 'open' || phase === 'asking' ? 'shut-down' : 'exit-now';
}

/**
 * How the quit question is shown. A message box without a parent runs modally on macOS's main thread
 * without activating the app, so it can open behind other apps with the tray frozen: there the app is
 * activated first. Where the main window is visible the question is attached to it (a sheet on macOS).
 */
export function quitDialogHost(platform: NodeJS.Platform, mainWindowVisible: boolean): { activate: boolean; parent: boolean } {
  return { activate: platform === 'darwin', parent: mainWindowVisible };
}

/**
 * What a request to show the main window (a second launch, a dock click) does while the app starts:
 * the window's page calls the API at once, so before the IPC handlers exist it would fail with "No handler
 * registered"; start-up shows the window itself when the handlers are in place.
 */
export function showRequest(started: boolean): 'show' | 'after-start' {
  return started ? 'show' : 'after-start';
}

/** The tray's queue item: says what clicking it will do. */
export function pauseMenuLabel(queue: Pick<QueueState, 'paused'>): string {
  return queue.paused ? 'Resume queue' : 'Pause queue';
}
