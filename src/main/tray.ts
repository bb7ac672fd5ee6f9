import { Menu, nativeImage, Tray } from 'electron';
import type { QueueState } from '../common/api.js';
import { trayClickOpensWindow } from './desktop.js';
import { pauseMenuLabel } from './lifecycle.js';

export interface TrayActions {
  open(): void;
  classify(anchor: Electron.Rectangle): void;
  setPaused(paused: boolean): void;
  quit(): void;
}

/**
 * The tray icon and its menu: open the workbench, pause or resume the queue, classify from the
 * popup, quit. The menu is rebuilt whenever the queue changes so the pause item says what it will do.
 */
export class WorkbenchTray {
  private readonly tray: Tray;
  private queue: QueueState | null = null;

  /** `iconFile`: desktop.ts's trayIconName for this platform (a Template image only on macOS). */
  constructor(
    iconFile: string,
    private readonly actions: TrayActions,
  ) {
    this.tray = new Tray(nativeImage.createFromPath(iconFile));
    this.tray.setToolTip('Spam Workbench');
    // Windows and Linux trays: a click on the icon opens the workbench; the menu is on right-click.
    if (trayClickOpensWindow(process.platform)) this.tray.on('click', () => this.actions.open());
    this.render();
  }

  update(queue: QueueState): void {
    if (this.queue && this.queue.paused === queue.paused) return;
    this.queue = queue;
    this.render();
  }

  destroy(): void {
    this.tray.destroy();
  }

  private render(): void {
    const queue = this.queue;
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Spam Workbench', click: () => this.actions.open() },
        {
          label: queue ? pauseMenuLabel(queue) : 'Pause queue',
          enabled: queue !== null,
          click: () => queue && this.actions.setPaused(!queue.paused),
        },
        { label: 'Classify…', click: () => this.actions.classify(this.tray.getBounds()) },
        { type: 'separator' },
        { label: 'Quit', click: () => this.actions.quit() },
      ]),
    );
  }
}
