import type { HostListenerView, ListenAddress, TrainingHosts, TrainingHostsInput } from '../common/api.js';
import { WorkbenchError } from '../core/errors.js';
import { InvalidRequest } from './errors.js';

/** What the coordinator needs: where the queue for training hosts lives (null: everything trains here) and whether this workbench trains too. */
export interface TrainingHostsConfig {
  /** The full URL, password included: for the coordinator only, never shown. */
  redisUrl: string | null;
  trainHere: boolean;
}

/** A Redis URL given at start (`serve --redis`, WORKBENCH_REDIS_URL): it outranks the saved setting. */
export interface RedisOverride {
  redisUrl: string;
  source: 'flag' | 'environment';
  /** `serve --train-here`. */
  trainHere: boolean;
}

/** Where the settings live: the database's settings table (RunStore.getSetting/setSetting). */
export interface SettingsStore {
  getSetting(key: string): string | null;
  setSetting(key: string, value: string | null): void;
}

/** The saved setting: with the desktop app's listening address for hosts. */
interface SavedSetting extends TrainingHostsConfig {
  listen?: ListenAddress;
}

/** What the desktop app's listener says of itself (hostListener.ts): where hosts reach it, or why they cannot. */
export type ListenerState = Omit<HostListenerView, 'host' | 'port'>;

/** Loopback, and the port of the last listener of the data folder (serve.json), else a free one. */
export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: null };
const NOT_LISTENING: ListenerState = { origin: null, token: null, error: null, warning: null };

const SETTING = 'training-hosts';
const MASK = '****';
const FORM = 'redis://[user:password@]host[:port][/db], or rediss:// for TLS';

/** Checks a Redis URL (`what` names where it came from in the error) and gives it back in normal form. */
export function parseRedisUrl(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new InvalidRequest(`${what}: "${masked(text)}" is not a Redis URL (${FORM})`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new InvalidRequest(`${what}: "${maskRedisUrl(url.href)}" is not a Redis URL (${FORM})`);
  if (url.hostname === '') throw new InvalidRequest(`${what}: "${maskRedisUrl(url.href)}" names no host (${FORM})`);
  if (!/^(\/\d*)?$/.test(url.pathname))
    throw new InvalidRequest(`${what}: "${maskRedisUrl(url.href)}": the path is a database number, not "${url.pathname}" (${FORM})`);
  return url.href;
}

/** The URL with its password replaced by `****`. */
export function maskRedisUrl(href: string): string {
  const url = new URL(href);
  if (url.password !== '') url.password = MASK;
  return url.href;
}

/** Best effort for text that is not even a URL: whatever sits between "//…:" and "@" is hidden. */
function masked(text: string): string {
  return text.replace(/(\/\/[^/:@]*:)[^@]*@/, `$1${MASK}@`);
}

/** The URL given at start: `--redis` (flag) first, then WORKBENCH_REDIS_URL; checked, or a WorkbenchError naming which. */
export function redisOverride(flag: string | undefined, trainHere: boolean, env: NodeJS.ProcessEnv = process.env): RedisOverride | null {
  const fromEnv = env.WORKBENCH_REDIS_URL?.trim();
  if (flag !== undefined) return { redisUrl: parseRedisUrl(flag, '--redis'), source: 'flag', trainHere };
  if (fromEnv) return { redisUrl: parseRedisUrl(fromEnv, 'WORKBENCH_REDIS_URL'), source: 'environment', trainHere };
  if (trainHere)
    throw new WorkbenchError('--train-here needs a Redis URL (--redis or WORKBENCH_REDIS_URL): without one every run trains here anyway');
  return null;
}

/**
 * How hosts reach a workbench: `server`, the HTTP server that is up as long as the service (serve); `own`, a listener
 * of its own that starts and stops with this setting and says so through `listenerChanged` (the desktop app; until it
 * listens, nothing goes to hosts); `none`, nothing (queue run and the other CLI commands): every run trains here,
 * whatever URL is saved, so no run waits in Redis for a host that could never report back.
 */
export type HostListener = 'server' | 'own' | 'none';

/**
 * The *Training hosts* setting: a URL given at start, or the one saved from the System page. The coordinator
 * reads `config()` and hears `onChange` when the page saves another, or the desktop app's listener starts or stops.
 */
export class TrainingHostsSettings {
  private readonly listeners = new Set<(config: TrainingHostsConfig) => void>();
  private listening = NOT_LISTENING;
  private follower: (() => Promise<void>) | null = null;

  /** `listener`: how hosts reach this workbench (HostListener). */
  constructor(
    private readonly settings: SettingsStore,
    private readonly override: RedisOverride | null,
    private readonly listener: HostListener = 'server',
  ) {}

  /** Whether something listens for hosts: runs may go to them. */
  get available(): boolean {
    return this.listener === 'server' || (this.listener === 'own' && this.listening.origin !== null);
  }

  /** Without a URL (or while nothing listens for hosts) everything trains here, whatever the checkbox says. */
  config(): TrainingHostsConfig {
    const { redisUrl, trainHere } = this.wanted();
    return this.available && redisUrl !== null ? { redisUrl, trainHere } : { redisUrl: null, trainHere: true };
  }

  /** The URL and checkbox as given, whether or not anything listens yet, and the desktop app's listening address. */
  wanted(): TrainingHostsConfig & { listen: ListenAddress } {
    const saved = this.saved();
    return { ...(this.override ?? saved), listen: saved.listen ?? DEFAULT_LISTEN };
  }

  /** What the System page shows: the password masked; in the desktop app, its listener. */
  view(): TrainingHosts {
    const { redisUrl, trainHere, listen } = this.wanted();
    const source = this.override?.source ?? (redisUrl === null ? null : 'settings');
    const view: TrainingHosts = {
      redisUrl: redisUrl === null ? null : maskRedisUrl(redisUrl),
      trainHere: redisUrl === null || trainHere,
      source,
      available: this.available,
    };
    return this.listener === 'own' ? { ...view, listener: { ...listen, ...this.listening } } : view;
  }

  save(input: TrainingHostsInput): TrainingHosts {
    if (this.override) {
      const given = this.override.source === 'flag' ? '`serve --redis`' : 'WORKBENCH_REDIS_URL';
      throw new InvalidRequest(
        `training hosts are set by ${given} for as long as this workbench runs; start it without that to change them here`,
      );
    }
    if (input.listen && this.listener !== 'own')
      throw new InvalidRequest('`workbench serve` takes hosts where it listens (--host, --port): start it with those to change them');
    const redisUrl = input.redisUrl ? this.keepPassword(parseRedisUrl(input.redisUrl, 'Redis URL')) : null;
    // Without hosts, everything trains here: the checkbox's state (and the address) are kept for when a URL is given again.
    const saved: SavedSetting = { redisUrl, trainHere: input.trainHere, listen: input.listen ?? this.saved().listen };
    this.settings.setSetting(SETTING, JSON.stringify(saved));
    this.changed();
    return this.view();
  }

  /** The desktop app's listener: `settled` resolves once it has followed the last change (it starts and stops in a moment). */
  followedBy(settled: () => Promise<void>): void {
    this.follower = settled;
  }

  /** Resolves once whatever follows this setting has: a save answers with the listener as it then is. */
  settled(): Promise<void> {
    return this.follower?.() ?? Promise.resolve();
  }

  /** The desktop app's listener started, stopped or failed: runs go to hosts only while it listens. */
  listenerChanged(state: ListenerState): void {
    this.listening = state;
    this.changed();
  }

  /** Calls `listener` with the new configuration after each save, until the returned function is called. */
  onChange(listener: (config: TrainingHostsConfig) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener(this.config());
  }

  private saved(): SavedSetting {
    const text = this.settings.getSetting(SETTING);
    return text === null ? { redisUrl: null, trainHere: false } : (JSON.parse(text) as SavedSetting);
  }

  /** A URL shown back masked and saved again keeps the saved password. */
  private keepPassword(href: string): string {
    const url = new URL(href);
    const before = this.saved().redisUrl;
    if (url.password !== MASK || before === null) return href;
    url.password = new URL(before).password;
    return url.href;
  }
}
