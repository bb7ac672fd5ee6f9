import { execFile } from 'node:child_process';
import { trayHostFromReply, type TrayHost } from './desktop.js';

const WATCHER = ['org.kde.StatusNotifierWatcher', '/StatusNotifierWatcher'] as const;

/** The two ways to ask the session bus, in order: GLib's gdbus, then dbus-send (package dbus). */
export const TRAY_HOST_QUERIES: readonly (readonly [string, ...string[]])[] = [
  [
    'gdbus',
    'call',
    '--session',
    '--dest',
    WATCHER[0],
    '--object-path',
    WATCHER[1],
    '--method',
    'org.freedesktop.DBus.Properties.Get',
    WATCHER[0],
    'IsStatusNotifierHostRegistered',
  ],
  [
    'dbus-send',
    '--session',
    '--print-reply',
    `--dest=${WATCHER[0]}`,
    WATCHER[1],
    'org.freedesktop.DBus.Properties.Get',
    `string:${WATCHER[0]}`,
    'string:IsStatusNotifierHostRegistered',
  ],
];

function ask(command: readonly [string, ...string[]]): Promise<{ status: number | null; stdout: string } | null> {
  return new Promise((resolve) => {
    execFile(command[0], command.slice(1), { timeout: 2000, encoding: 'utf8' }, (err, stdout) => {
      // ENOENT: the tool is not installed (then the next one is tried).
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') resolve(null);
      else resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout });
    });
  });
}

/**
 * Whether something on this Linux desktop shows tray icons: a StatusNotifierWatcher on the session bus
 * with a host registered (KDE, Cinnamon, XFCE, GNOME with the AppIndicator extension). Stock GNOME has none,
 * and there `new Tray()` still succeeds with nothing on screen.
 */
export async function probeTrayHost(queries = TRAY_HOST_QUERIES): Promise<TrayHost> {
  for (const query of queries) {
    const reply = await ask(query);
    if (reply !== null) return trayHostFromReply(reply);
  }
  return 'unknown';
}
