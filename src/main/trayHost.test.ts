import { describe, expect, it } from 'vitest';
import { probeTrayHost, TRAY_HOST_QUERIES } from './trayHost.js';

describe('asking the session bus for a tray host', () => {
  it('asks org.kde.StatusNotifierWatcher whether a host is registered, with gdbus and then dbus-send', () => {
    expect(TRAY_HOST_QUERIES.map((q) => q[0])).toEqual(['gdbus', 'dbus-send']);
    for (const query of TRAY_HOST_QUERIES) {
      expect(query.join(' ')).toMatch(
        /org\.kde\.StatusNotifierWatcher.*\/StatusNotifierWatcher.*org\.freedesktop\.DBus\.Properties\.Get.*IsStatusNotifierHostRegistered/,
      );
    }
  });

  it('takes the first tool that runs, and reads its answer', async () => {
    expect(await probeTrayHost([['no-such-tool-here'], ['echo', '(<true>,)']])).toBe('present');
    expect(await probeTrayHost([['false']])).toBe('absent');
    expect(await probeTrayHost([['no-such-tool-here']])).toBe('unknown');
  });

  it('on this machine (no desktop session) finds none', async () => {
    // A CI container has no session bus: the call fails, or neither tool is installed.
    expect(['absent', 'unknown']).toContain(await probeTrayHost());
  });
});
