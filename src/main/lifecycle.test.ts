import { describe, expect, it } from 'vitest';
import type { QueueState } from '../common/api.js';
import { afterMainWindowClosed, beforeQuit, onWindowClose, pauseMenuLabel, quitAnswer, quitDecision, quitDialog } from './lifecycle.js';

const idle: QueueState = { paused: false, running: [], queued: [], concurrency: 1 };
const training: QueueState = { ...idle, running: [7], queued: [8, 9] };

describe('closing the main window', () => {
  it('hides it into the tray when a tray exists, whether or not runs train', () => {
    expect(onWindowClose({ quitting: false, hasTray: true, training: false })).toBe('hide');
    expect(onWindowClose({ quitting: false, hasTray: true, training: true })).toBe('hide');
  });

  it('keeps the app alive while runs train even without a tray', () => {
    expect(onWindowClose({ quitting: false, hasTray: false, training: true })).toBe('hide');
  });

  it('closes it when nothing trains and there is no tray to come back from', () => {
    expect(onWindowClose({ quitting: false, hasTray: false, training: false })).toBe('close');
  });

  it('closes it during a quit', () => {
    expect(onWindowClose({ quitting: true, hasTray: true, training: true })).toBe('close');
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

describe('tray', () => {
  it('the queue item says what a click does', () => {
    expect(pauseMenuLabel({ paused: false })).toBe('Pause queue');
    expect(pauseMenuLabel({ paused: true })).toBe('Resume queue');
  });
});
