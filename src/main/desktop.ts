/*
 * What the desktop shell does differently per platform and desktop (tray, popup, shortcut), as pure
 * functions of what main observes, so each decision is unit-tested under Node (desktop.test.ts);
 * index.ts, tray.ts and popup.ts only carry them out.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Rect extends Point {
  width: number;
  height: number;
}

/**
 * The tray image. Only macOS recolours a "Template" image to the menu bar's colours; elsewhere its
 * black pixels stay black (invisible on GNOME's top bar or a dark taskbar), so Linux gets a coloured
 * PNG (16 px, with a 32 px @2x beside it) and Windows an ICO, as the Tray docs ask.
 */
export function trayIconName(platform: NodeJS.Platform): 'trayTemplate.png' | 'tray.ico' | 'tray.png' {
  if (platform === 'darwin') return 'trayTemplate.png';
  return platform === 'win32' ? 'tray.ico' : 'tray.png';
}

/**
 * Whether a click on the tray icon opens the main window. Not on macOS: with a context menu set, Cocoa's
 * status item emits `click` on mouse-down and then opens the menu, so both would happen on every click.
 */
export function trayClickOpensWindow(platform: NodeJS.Platform): boolean {
  return platform !== 'darwin';
}

export type TrayHost = 'present' | 'absent' | 'unknown';

/**
 * Reads the answer to "is a StatusNotifier host registered?" (the Get of org.kde.StatusNotifierWatcher's
 * IsStatusNotifierHostRegistered property). `gdbus call` prints `(<true>,)`, `dbus-send --print-reply`
 * prints `variant       boolean true`. A failed call (exit status ≠ 0) means no watcher on the session
 * bus: nothing on this desktop shows tray icons (stock GNOME). `null` = the tool could not run at all.
 */
export function trayHostFromReply(reply: { status: number | null; stdout: string } | null): TrayHost {
  if (reply === null) return 'unknown';
  if (reply.status !== 0) return 'absent';
  if (/<true>|boolean true/.test(reply.stdout)) return 'present';
  if (/<false>|boolean false/.test(reply.stdout)) return 'absent';
  return 'unknown';
}

/**
 * Whether the app has a tray icon a user can reach. macOS and Windows always show one. On Linux `new Tray()`
 * succeeds whether or not anything displays it, so it counts only when a StatusNotifier host is registered;
 * when that cannot be asked ('unknown') the app assumes none, so closing the window never hides it for good.
 * WORKBENCH_TRAY=on|off overrides the detection (e.g. an XEmbed-only tray, which has no watcher).
 */
export function hasReachableTray(platform: NodeJS.Platform, host: TrayHost, override?: string): boolean {
  if (override === 'on') return true;
  if (override === 'off') return false;
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') return true;
  return host === 'present';
}

/**
 * Whether Electron runs as a native Wayland client. Since Electron 38 `--ozone-platform-hint` defaults to
 * `auto`, which picks Wayland whenever WAYLAND_DISPLAY is set; `--ozone-platform=x11` (or the hint) forces XWayland.
 */
export function isWayland(platform: NodeJS.Platform, env: Record<string, string | undefined>, ozoneSwitch = ''): boolean {
  if (platform !== 'linux') return false;
  const chosen = ozoneSwitch || env.ELECTRON_OZONE_PLATFORM_HINT || 'auto';
  if (chosen === 'x11') return false;
  if (chosen === 'wayland') return true;
  return Boolean(env.WAYLAND_DISPLAY) || env.XDG_SESSION_TYPE === 'wayland';
}

/** A comma list of Chromium features with `feature` added once (keeps what the command line already enables). */
export function withFeature(existing: string, feature: string): string {
  const features = existing.split(',').filter(Boolean);
  return (features.includes(feature) ? features : [...features, feature]).join(',');
}

/** The log line when the popup's global shortcut could not be registered: the reason depends on the desktop. */
export function shortcutFailure(shortcut: string, wayland: boolean): string {
  return wayland
    ? `the popup shortcut ${shortcut} is not available: on Wayland global shortcuts go through the desktop's ` +
        `GlobalShortcuts portal (xdg-desktop-portal), which this desktop does not offer or refused; the tray's "Classify…" opens the popup`
    : `the popup shortcut ${shortcut} is taken by another application; the tray's "Classify…" opens the popup`;
}

/**
 * Where the popup opens (its top-left corner):
 * - under the tray icon when its bounds are known (macOS, Windows);
 * - else under the cursor, which just clicked the tray or pressed the shortcut (X11: Linux trays report no bounds);
 * - else, when neither is known (Wayland: no cursor position for apps), centred in the work area.
 * Always kept inside the work area, so it opens beside a top tray and above a bottom one alike.
 */
export function popupPosition(
  anchor: Rect | undefined,
  cursor: Point | null,
  size: { width: number; height: number },
  workArea: Rect,
): Point {
  const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(Math.max(v, lo), Math.max(lo, hi)));
  let point: Point;
  if (anchor && anchor.width > 0) point = { x: anchor.x + anchor.width / 2, y: anchor.y + anchor.height };
  else if (cursor) point = cursor;
  else point = { x: workArea.x + workArea.width / 2, y: workArea.y + (workArea.height - size.height) / 2 };
  return {
    x: clamp(point.x - size.width / 2, workArea.x, workArea.x + workArea.width - size.width),
    y: clamp(point.y, workArea.y, workArea.y + workArea.height - size.height),
  };
}
