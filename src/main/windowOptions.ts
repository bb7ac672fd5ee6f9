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
