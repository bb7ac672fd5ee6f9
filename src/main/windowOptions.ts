import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/**
 * webPreferences for every window that shows the renderer (Electron's security checklist):
 * the page runs in a sandboxed, context-isolated renderer without Node, and reaches the app only
 * through the functions the preload exposes.
 */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
  };
}

export const POPUP_SIZE = { width: 420, height: 300 };

/** The tray popup: small, frameless, above other windows, out of the taskbar; hidden until asked for. */
export function popupWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    ...POPUP_SIZE,
    show: false,
    frame: false,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    webPreferences: secureWebPreferences(preloadPath),
  };
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where the popup goes: centred under the point (the cursor, or the tray icon), kept inside the
 * work area of that display, so it opens beside a top tray and above a bottom one alike.
 */
export function popupPosition(
  point: { x: number; y: number },
  size: { width: number; height: number },
  workArea: Rect,
): { x: number; y: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(Math.max(v, lo), Math.max(lo, hi)));
  return {
    x: clamp(point.x - size.width / 2, workArea.x, workArea.x + workArea.width - size.width),
    y: clamp(point.y, workArea.y, workArea.y + workArea.height - size.height),
  };
}
