import { BrowserWindow, screen } from 'electron';
import { popupPosition, type Point, type Rect } from './desktop.js';
import { POPUP_SIZE, popupWindowOptions } from './windowOptions.js';

export interface PopupOptions {
  url: string;
  preloadFile: string;
  /**
   * Where the cursor is, or null where apps cannot know (Wayland: neither reading the cursor nor placing
   * a window is supported there, so the popup opens centred, or where the compositor puts it).
   */
  cursor(): Point | null;
  /** Called each time it is shown (main loads the popup's classifier in the background then). */
  onShow?(): void;
}

/**
 * The tray popup: the renderer's /popup route (paste a message → spam or ham) in a small frameless
 * window above the others. It is loaded at start-up and hidden, not closed, when it loses focus, so
 * it opens instantly from the tray or the shortcut and keeps what was typed.
 */
export class Popup {
  private window: BrowserWindow | null = null;

  constructor(private readonly options: PopupOptions) {
    this.ensure();
  }

  /** Shows it by `anchor` (the tray icon's bounds), else by the cursor, else centred; hides it when it is showing. */
  toggle(anchor?: Rect, cursor: Point | null = this.options.cursor()): void {
    const win = this.ensure();
    if (win.isVisible()) {
      win.hide();
      return;
    }
    const display = cursor
      ? screen.getDisplayNearestPoint(cursor)
      : anchor && anchor.width > 0
        ? screen.getDisplayMatching(anchor)
        : screen.getPrimaryDisplay();
    const { x, y } = popupPosition(anchor, cursor, POPUP_SIZE, display.workArea);
    win.setPosition(x, y);
    win.show();
    win.focus();
    this.options.onShow?.();
  }

  /** The window (for the end-to-end tests' checks of its place). */
  get bounds(): Rect | null {
    return this.window && !this.window.isDestroyed() ? this.window.getBounds() : null;
  }

  /** Closes it for good (on quit: a hidden window would keep the app from quitting). */
  destroy(): void {
    this.window?.destroy();
    this.window = null;
  }

  private ensure(): BrowserWindow {
    if (this.window && !this.window.isDestroyed()) return this.window;
    const win = new BrowserWindow(popupWindowOptions(this.options.preloadFile));
    win.on('blur', () => win.hide());
    win.on('closed', () => {
      if (this.window === win) this.window = null;
    });
    void win.loadURL(this.options.url);
    this.window = win;
    return win;
  }
}
