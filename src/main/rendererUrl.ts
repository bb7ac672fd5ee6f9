/**
 * The dev server URL to load the renderer from, or undefined for the bundled file. `electron-vite dev`
 * sets ELECTRON_RENDERER_URL; a packaged app ignores it, or anyone who could set the variable would
 * get a remote page the IPC bridge and the development CSP.
 */
export function devServerUrl(env: Record<string, string | undefined>, isPackaged: boolean): string | undefined {
  return isPackaged ? undefined : env.ELECTRON_RENDERER_URL || undefined;
}

/** A route of the renderer (its hash router), e.g. the tray popup: `routeUrl(appUrl, '/popup')`. */
export function routeUrl(appUrl: string, route: `/${string}`): string {
  const url = new URL(appUrl);
  url.hash = route;
  return url.href;
}
