import type { QueueState } from '../common/api.js';

/*
 * The desktop app's lifecycle decisions, as pure functions of the app's state so they are unit-tested
 * under Node (src/main/lifecycle.test.ts); index.ts only carries them out.
 */

export interface WindowCloseState {
  /** A quit is under way (confirmed): windows close for real. */
  quitting: boolean;
  /** The tray icon exists, so a hidden app can still be reached. */
  hasTray: boolean;
  /** A run is training (or being launched). */
  training: boolean;
}

/**
 * What closing the main window does. With a tray, the app lives on in it on every platform; while
 * runs train it lives on without one too (a second launch, or the dock, shows the window again).
 */
export function onWindowClose(state: WindowCloseState): 'hide' | 'close' {
  if (state.quitting) return 'close';
  return state.hasTray || state.training ? 'hide' : 'close';
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

/** The tray's queue item: says what clicking it will do. */
export function pauseMenuLabel(queue: Pick<QueueState, 'paused'>): string {
  return queue.paused ? 'Resume queue' : 'Pause queue';
}
