import type { HostListenerView, ListenAddress, TrainingHosts } from '../../common/api.js';
import { workerCommand } from '../../common/hostProtocol.js';

/** Where the page is: serve's address and the token in its URL; in the desktop app, neither (its listener has them). */
export interface PageAddress {
  origin: string;
  token: string;
}

/**
 * What each host runs: with the desktop app's listener up, its address and token; in serve's page, this page's
 * (its server is where hosts reach it). Null while runs do not go to hosts, or the app does not listen for them.
 */
export function workerCommandFor(hosts: TrainingHosts, page: PageAddress | null): string | null {
  if (hosts.redisUrl === null) return null;
  if (hosts.listener) {
    const { origin, token } = hosts.listener;
    return origin !== null && token !== null ? workerCommand(hosts.redisUrl, origin, token) : null;
  }
  return page && page.token ? workerCommand(hosts.redisUrl, page.origin, page.token) : null;
}

/** The port field's text as the setting: empty is "the last one, else a free one"; anything else a port, or the problem. */
export function listenAddress(host: string, port: string): ListenAddress | string {
  const text = port.trim();
  if (text === '') return { host: host.trim() || '127.0.0.1', port: null };
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) return `the port is a number from 1 to 65535 (empty: a free one), not "${text}"`;
  return { host: host.trim() || '127.0.0.1', port: n };
}

/** How a host on another machine reaches the desktop app's listener, when the command's address alone does not say. */
export function reachNote(listener: HostListenerView): string | null {
  if (listener.origin === null) return null;
  // No warning: the listener is on loopback.
  if (listener.warning === null)
    return 'It listens on this machine only: a host elsewhere reaches it through an SSH tunnel (ssh -L), or give this machine’s network address above.';
  const shown = new URL(listener.origin).hostname;
  // Every interface (0.0.0.0, ::): the command shows 127.0.0.1.
  return shown === listener.host ? null : `From another machine, put this machine’s address in place of ${shown}.`;
}
