import type { TrainingHosts, TrainingHostsInput } from '../common/api.js';
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
 * The *Training hosts* setting: a URL given at start, or the one saved from the System page. The coordinator
 * reads `config()` and hears `onChange` when the page saves another.
 */
export class TrainingHostsSettings {
  private readonly listeners = new Set<(config: TrainingHostsConfig) => void>();

  /** `available` false: this workbench takes no hosts (nothing in it listens for them), whatever is saved. */
  constructor(
    private readonly settings: SettingsStore,
    private readonly override: RedisOverride | null,
    private readonly available = true,
  ) {}

  /** Without a URL (or where hosts are not available) everything trains here, whatever the checkbox says. */
  config(): TrainingHostsConfig {
    const { redisUrl, trainHere } = this.available ? (this.override ?? this.saved()) : { redisUrl: null, trainHere: true };
    return { redisUrl, trainHere: redisUrl === null || trainHere };
  }

  /** What the System page shows: the password masked. */
  view(): TrainingHosts {
    const { redisUrl, trainHere } = this.config();
    const source = this.override?.source ?? (redisUrl === null ? null : 'settings');
    return { redisUrl: redisUrl === null ? null : maskRedisUrl(redisUrl), trainHere, source, available: this.available };
  }

  save(input: TrainingHostsInput): TrainingHosts {
    if (!this.available)
      throw new InvalidRequest(
        'the desktop app takes no training hosts yet: run `workbench serve --redis URL` on this data folder for them',
      );
    if (this.override) {
      const given = this.override.source === 'flag' ? '`serve --redis`' : 'WORKBENCH_REDIS_URL';
      throw new InvalidRequest(
        `training hosts are set by ${given} for as long as this workbench runs; start it without that to change them here`,
      );
    }
    const redisUrl = input.redisUrl ? this.keepPassword(parseRedisUrl(input.redisUrl, 'Redis URL')) : null;
    // Without hosts, everything trains here: the checkbox's state is kept for when a URL is given again.
    const saved: TrainingHostsConfig = { redisUrl, trainHere: input.trainHere };
    this.settings.setSetting(SETTING, JSON.stringify(saved));
    for (const listener of this.listeners) listener(this.config());
    return this.view();
  }

  /** Calls `listener` with the new configuration after each save, until the returned function is called. */
  onChange(listener: (config: TrainingHostsConfig) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private saved(): TrainingHostsConfig {
    const text = this.settings.getSetting(SETTING);
    return text === null ? { redisUrl: null, trainHere: false } : (JSON.parse(text) as TrainingHostsConfig);
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
