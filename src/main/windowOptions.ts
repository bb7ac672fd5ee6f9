import type { WebPreferences } from 'electron';

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
