import type { Session, WebContents } from 'electron';

/**
 * Whether `url` is the app's own page. The built app is served from app://workbench/ (appProtocol.ts),
 * whose scheme and host decide (WHATWG URL gives a custom scheme no origin); in dev the page comes from
 * the Vite dev server and its origin decides. A file:// page (opaque origin, "null" for every file) would
 * be recognised by its path.
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  if (!URL.canParse(url)) return false;
  const target = new URL(url);
  const app = new URL(appUrl);
  if (app.protocol === 'file:') return target.protocol === 'file:' && target.pathname === app.pathname;
  if (app.protocol === 'http:' || app.protocol === 'https:') return target.origin === app.origin;
  return target.protocol === app.protocol && target.host === app.host;
}

/** The app never opens pop-ups and never leaves its page; links elsewhere simply do nothing. */
export function lockDownWebContents(contents: WebContents, isAllowed: (url: string) => boolean): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAllowed(url)) event.preventDefault();
  });
}

/** Sends the CSP as a header on http(s) responses (the dev server); app:// responses carry it themselves (appProtocol.ts). */
export function installCsp(session: Session, policy: string): void {
  session.webRequest.onHeadersReceived({ urls: ['http://*/*', 'https://*/*'] }, (details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
}

/** Camera, notifications, geolocation…: the workbench needs none, so every request is refused. */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
