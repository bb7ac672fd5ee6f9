import { describe, expect, it } from 'vitest';
import type { HostListenerView, TrainingHosts } from '../../common/api.js';
import { listenAddress, reachNote, workerCommandFor } from './trainingHosts.js';

const hosts = (listener?: Partial<HostListenerView>): TrainingHosts => ({
  redisUrl: 'redis://:****@10.0.0.5:6379',
  trainHere: false,
  source: 'settings',
  available: true,
  ...(listener ? { listener: { host: '127.0.0.1', port: null, origin: null, token: null, error: null, warning: null, ...listener } } : {}),
});
const page = { origin: 'http://127.0.0.1:8765', token: 'page-token' };

describe('the worker command the Training hosts panel shows', () => {
  it('in the desktop app: its listener’s address and token, once it listens', () => {
    const listening = hosts({ origin: 'http://127.0.0.1:41234', token: 'app-token' });
    expect(workerCommandFor(listening, null)).toBe(
      'workbench worker --redis redis://:****@10.0.0.5:6379 --workbench http://127.0.0.1:41234 --token app-token',
    );
    expect(workerCommandFor(hosts({ error: 'port 9000 is in use' }), null)).toBeNull();
  });

  it('in serve’s page: the page’s own address and token', () => {
    expect(workerCommandFor(hosts(), page)).toBe(
      'workbench worker --redis redis://:****@10.0.0.5:6379 --workbench http://127.0.0.1:8765 --token page-token',
    );
    expect(workerCommandFor(hosts(), { ...page, token: '' })).toBeNull();
  });

  it('none without a Redis URL', () => {
    expect(workerCommandFor({ ...hosts({ origin: 'http://127.0.0.1:1', token: 't' }), redisUrl: null }, null)).toBeNull();
  });
});

describe('the listening address typed in the panel', () => {
  it('is loopback and the last or a free port when left empty', () => {
    expect(listenAddress('', '')).toEqual({ host: '127.0.0.1', port: null });
    expect(listenAddress(' 0.0.0.0 ', ' 9000 ')).toEqual({ host: '0.0.0.0', port: 9000 });
  });

  it('refuses a port that is not one, in a line', () => {
    expect(listenAddress('127.0.0.1', '80a')).toBe('the port is a number from 1 to 65535 (empty: a free one), not "80a"');
    expect(listenAddress('127.0.0.1', '0')).toMatch(/from 1 to 65535/);
    expect(listenAddress('127.0.0.1', '70000')).toMatch(/from 1 to 65535/);
  });
});

describe('how a host elsewhere reaches the desktop app', () => {
  const listener = (l: Partial<HostListenerView>): HostListenerView => ({
    host: '127.0.0.1',
    port: null,
    origin: 'http://127.0.0.1:41234',
    token: 't',
    error: null,
    warning: null,
    ...l,
  });

  it('on loopback: through an SSH tunnel, or another address', () => {
    expect(reachNote(listener({}))).toMatch(/^It listens on this machine only: .*SSH tunnel/);
  });

  it('on every interface: this machine’s address in place of the 127.0.0.1 the command shows', () => {
    expect(reachNote(listener({ host: '0.0.0.0', warning: 'listening on 0.0.0.0, …' }))).toBe(
      'From another machine, put this machine’s address in place of 127.0.0.1.',
    );
  });

  it('nothing more on a network address of its own, nor while it does not listen', () => {
    expect(
      reachNote(listener({ host: '192.168.1.20', origin: 'http://192.168.1.20:41234', warning: 'listening on 192.168.1.20, …' })),
    ).toBeNull();
    expect(reachNote(listener({ origin: null, token: null, error: 'port 9000 is in use' }))).toBeNull();
  });
});
