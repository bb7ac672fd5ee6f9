import { BrowserWindow, screen } from 'electron';
import { POPUP_SIZE, popupPosition, popupWindowOptions } from './windowOptions.js';

/**
 * The tray popup: the renderer's /popup route (paste a message → spam or ham) in a small frameless
 * window above the others. It is loaded at start-up and hidden, not closed, when it loses focus, so
 * it opens instantly from the tray or the shortcut and keeps what was typed.
 */
export class Popup {
  private window: BrowserWindow | null = null;

  constructor(
    private readonly url: string,
    private readonly preloadFile: string,
  ) {
    this.ensure();
  }

  /** Shows it near `anchor` (the tray icon's bounds), else under the cursor; hides it when it is showing. */
  toggle(anchor?: { x: number; y: number; width: number; height: number }): void {
    const win = this.ensure();
    if (win.isVisible()) {
      win.hide();
      return;
    }
    // Linux trays report no bounds (all zero): there the cursor, which just clicked the tray, stands in.
    const point =
      anchor && anchor.width > 0 ? { x: anchor.x + anchor.width / 2, y: anchor.y + anchor.height } : screen.getCursorScreenPoint();
    const { x, y } = popupPosition(point, POPUP_SIZE, screen.getDisplayNearestPoint(point).workArea);
    win.setPosition(x, y);
    win.show();
    win.focus();
  }

  /** Closes it for good (on quit: a hidden window would keep the app from quitting). */
  destroy(): void {
    this.window?.destroy();
    this.window = null;
  }

  private ensure(): BrowserWindow {
    if (this.window && !this.window.isDestroyed()) return this.window;
    const win = new BrowserWindow(popupWindowOptions(this.preloadFile));
    win.on('blur', () => win.hide());
    win.on('closed', () => {
      if (this.window === win) this.window = null;
    });
    void win.loadURL(this.url);
    this.window = win;
    return win;
  }
}
