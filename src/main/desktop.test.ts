import { describe, expect, it } from 'vitest';
import {
  hasReachableTray,
  isWayland,
  popupPosition,
  shortcutFailure,
  trayClickOpensWindow,
  trayHostFromReply,
  trayIconName,
  withFeature,
} from './desktop.js';

describe('tray icon', () => {
  it('is the Template image only on macOS, a coloured PNG on Linux and an ICO on Windows', () => {
    expect(trayIconName('darwin')).toBe('trayTemplate.png');
    expect(trayIconName('linux')).toBe('tray.png');
    expect(trayIconName('win32')).toBe('tray.ico');
  });

  it('opens the window on click on Windows and Linux, not on macOS (where the click also opens the menu)', () => {
    expect(trayClickOpensWindow('win32')).toBe(true);
    expect(trayClickOpensWindow('linux')).toBe(true);
    expect(trayClickOpensWindow('darwin')).toBe(false);
  });
});

describe('tray host on Linux', () => {
  it("reads gdbus's and dbus-send's answers", () => {
    expect(trayHostFromReply({ status: 0, stdout: '(<true>,)\n' })).toBe('present');
    expect(trayHostFromReply({ status: 0, stdout: '(<false>,)\n' })).toBe('absent');
    expect(trayHostFromReply({ status: 0, stdout: 'method return time=1 sender=:1.5\n   variant       boolean true\n' })).toBe('present');
    expect(trayHostFromReply({ status: 0, stdout: '   variant       boolean false\n' })).toBe('absent');
  });

  it('no watcher on the session bus (the call fails) means no host; no tool to ask means unknown', () => {
    expect(trayHostFromReply({ status: 1, stdout: '' })).toBe('absent');
    expect(trayHostFromReply(null)).toBe('unknown');
    expect(trayHostFromReply({ status: 0, stdout: 'something else' })).toBe('unknown');
  });

  it('counts a tray on Linux only with a host; macOS and Windows always have one', () => {
    expect(hasReachableTray('linux', 'present')).toBe(true);
    expect(hasReachableTray('linux', 'absent')).toBe(false);
    expect(hasReachableTray('linux', 'unknown')).toBe(false);
    expect(hasReachableTray('darwin', 'unknown')).toBe(true);
    expect(hasReachableTray('win32', 'absent')).toBe(true);
  });

  it('WORKBENCH_TRAY=on|off overrides the detection', () => {
    expect(hasReachableTray('linux', 'absent', 'on')).toBe(true);
    expect(hasReachableTray('win32', 'present', 'off')).toBe(false);
    expect(hasReachableTray('linux', 'present', 'maybe')).toBe(true);
  });
});

describe('Wayland', () => {
  it('is native whenever WAYLAND_DISPLAY is set (Electron 38+: ozone-platform-hint auto), unless x11 is forced', () => {
    expect(isWayland('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBe(true);
    expect(isWayland('linux', { XDG_SESSION_TYPE: 'wayland' })).toBe(true);
    expect(isWayland('linux', { DISPLAY: ':0', XDG_SESSION_TYPE: 'x11' })).toBe(false);
    expect(isWayland('linux', { WAYLAND_DISPLAY: 'wayland-0' }, 'x11')).toBe(false);
    expect(isWayland('linux', { WAYLAND_DISPLAY: 'wayland-0', ELECTRON_OZONE_PLATFORM_HINT: 'x11' })).toBe(false);
    expect(isWayland('linux', { DISPLAY: ':0' }, 'wayland')).toBe(true);
    expect(isWayland('darwin', { WAYLAND_DISPLAY: 'wayland-0' })).toBe(false);
  });

  it('adds the GlobalShortcutsPortal feature to what the command line enables, once', () => {
    expect(withFeature('', 'GlobalShortcutsPortal')).toBe('GlobalShortcutsPortal');
    expect(withFeature('WebRTCPipeWireCapturer', 'GlobalShortcutsPortal')).toBe('WebRTCPipeWireCapturer,GlobalShortcutsPortal');
    expect(withFeature('GlobalShortcutsPortal', 'GlobalShortcutsPortal')).toBe('GlobalShortcutsPortal');
  });

  it('a shortcut that cannot be registered names Wayland there, not "another application"', () => {
    expect(shortcutFailure('CommandOrControl+Shift+Space', true)).toMatch(/on Wayland .*GlobalShortcuts portal.*"Classify…"/);
    expect(shortcutFailure('CommandOrControl+Shift+Space', true)).not.toMatch(/another application/);
    expect(shortcutFailure('CommandOrControl+Shift+Space', false)).toMatch(/taken by another application/);
  });
});

describe('popup position', () => {
  const workArea = { x: 0, y: 0, width: 1920, height: 1040 };
  const size = { width: 420, height: 300 };

  it('opens under the tray icon when its bounds are known', () => {
    expect(popupPosition({ x: 940, y: 0, width: 40, height: 24 }, { x: 5, y: 5 }, size, workArea)).toEqual({ x: 750, y: 24 });
  });

  it('else under the cursor (Linux trays report zero bounds), kept inside the work area', () => {
    expect(popupPosition({ x: 0, y: 0, width: 0, height: 0 }, { x: 960, y: 24 }, size, workArea)).toEqual({ x: 750, y: 24 });
    // A tray in the bottom-right corner: pushed left and up into the screen.
    expect(popupPosition(undefined, { x: 1900, y: 1080 }, size, workArea)).toEqual({ x: 1500, y: 740 });
    expect(popupPosition(undefined, { x: -50, y: -50 }, size, { ...workArea, x: 100, y: 30 })).toEqual({ x: 100, y: 30 });
  });

  it('centred in the work area when neither is known (Wayland)', () => {
    expect(popupPosition(undefined, null, size, workArea)).toEqual({ x: 750, y: 370 });
    expect(popupPosition({ x: 0, y: 0, width: 0, height: 0 }, null, size, { x: 1920, y: 32, width: 1280, height: 768 })).toEqual({
      x: 2350,
      y: 266,
    });
  });
});
