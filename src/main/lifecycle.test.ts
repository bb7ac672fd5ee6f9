import { describe, expect, it } from 'vitest';
import type { QueueState } from '../common/api.js';
import {
  afterMainWindowClosed,
  beforeQuit,
  onWindowClose,
  pauseMenuLabel,
  quitAnswer,
  quitDecision,
  quitDialog,
  quitDialogHost,
  showRequest,
  shutdownSignals,
  signalAction,
} from './lifecycle.js';

const idle: QueueState = { paused: false, running: [], queued: [], concurrency: 1 };
const training: QueueState = { ...idle, running: [7], queued: [8, 9] };

describe('closing the main window', () => {
  const platforms = ['linux', 'win32', 'darwin'] as const;

  it('hides it into a reachable tray, whether or not runs train, on every platform', () => {
    for (const platform of platforms) {
      expect(onWindowClose({ quitting: false, hasTray: true, training: false, platform })).toBe('hide');
      expect(onWindowClose({ quitting: false, hasTray: true, training: true, platform })).toBe('hide');
    }
  });

  it('without a tray host (stock GNOME) closing is a quit request, which asks first while a run trains', () => {
    // Not 'hide': a hidden app without a tray icon could not be reached and would keep the queue lock.
    expect(onWindowClose({ quitting: false, hasTray: false, training: true, platform: 'linux' })).toBe('quit');
    expect(onWindowClose({ quitting: false, hasTray: false, training: false, platform: 'linux' })).toBe('quit');
    expect(onWindowClose({ quitting: false, hasTray: false, training: true, platform: 'win32' })).toBe('quit');
  });

  it('on macOS without a tray the dock keeps the app reachable: hidden while training, else closed', () => {
    expect(onWindowClose({ quitting: false, hasTray: false, training: true, platform: 'darwin' })).toBe('hide');
    expect(onWindowClose({ quitting: false, hasTray: false, training: false, platform: 'darwin' })).toBe('close');
  });

  it('closes it during a quit', () => {
    for (const platform of platforms) expect(onWindowClose({ quitting: true, hasTray: true, training: true, platform })).toBe('close');
  });

  it('a closed main window quits the app except on macOS', () => {
    expect(afterMainWindowClosed('linux')).toBe('quit');
    expect(afterMainWindowClosed('win32')).toBe('quit');
    expect(afterMainWindowClosed('darwin')).toBe('stay');
  });
});

describe('quitting', () => {
  it('asks first only while a run trains', () => {
    expect(quitDecision(training)).toBe('ask');
    expect(quitDecision(idle)).toBe('quit');
    expect(quitDecision({ ...idle, queued: [1, 2], paused: true })).toBe('quit');
  });

  it('the question offers "Quit and resume later" and "Cancel", Cancel being the default and Escape', () => {
    const dialog = quitDialog(training);
    expect(dialog.buttons).toEqual(['Quit and resume later', 'Cancel']);
    expect(dialog.buttons[dialog.defaultId]).toBe('Cancel');
    expect(dialog.buttons[dialog.cancelId]).toBe('Cancel');
    expect(dialog.message).toBe('A run is training. Quit anyway?');
    expect(quitDialog({ ...training, running: [1, 2] }).message).toBe('2 runs are training. Quit anyway?');
    expect(dialog.detail).toMatch(/continues from the last saved epoch/);
  });

  it('reads the answer by button', () => {
    expect(quitAnswer(0)).toBe('quit');
    expect(quitAnswer(1)).toBe('cancel');
    // A dialog dismissed some other way never quits.
    expect(quitAnswer(-1)).toBe('cancel');
  });

  it('holds every quit request until the service has closed, then lets the last one through', () => {
    expect(beforeQuit('open')).toBe('check');
    expect(beforeQuit('asking')).toBe('wait');
    expect(beforeQuit('closing')).toBe('wait');
    expect(beforeQuit('closed')).toBe('proceed');
  });
});

describe('shutdown signals', () => {
  it('are SIGINT, SIGTERM and SIGHUP on POSIX, SIGINT and SIGBREAK on Windows', () => {
    expect(shutdownSignals('linux')).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP']);
    expect(shutdownSignals('darwin')).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP']);
    expect(shutdownSignals('win32')).toEqual(['SIGINT', 'SIGBREAK']);
  });

  it('the first one shuts down without the question, even while the question is open', () => {
    expect(signalAction('open')).toBe('shut-down');
    expect(signalAction('asking')).toBe('shut-down');
  });

  it('one more while the service closes exits at once', () => {
    expect(signalAction('closing')).toBe('exit-now');
    expect(signalAction('closed')).toBe('exit-now');
  });
});

describe('the quit question', () => {
  it('activates the app first on macOS, where a parentless box can open behind other apps', () => {
    expect(quitDialogHost('darwin', false)).toEqual({ activate: true, parent: false });
    expect(quitDialogHost('darwin', true)).toEqual({ activate: true, parent: true });
  });

  it('is attached to the main window when it is visible', () => {
    expect(quitDialogHost('linux', true)).toEqual({ activate: false, parent: true });
    expect(quitDialogHost('win32', false)).toEqual({ activate: false, parent: false });
  });
});

describe('start-up', () => {
  it('a second launch or a dock click before the IPC handlers exist leaves the window to start-up', () => {
    expect(showRequest(false)).toBe('after-start');
    expect(showRequest(true)).toBe('show');
  });
});

describe('tray', () => {
  it('the queue item says what a click does', () => {
    expect(pauseMenuLabel({ paused: false })).toBe('Pause queue');
    expect(pauseMenuLabel({ paused: true })).toBe('Resume queue');
  });
});
