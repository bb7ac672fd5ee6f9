import path from 'node:path';
import type { PrefixStoreInfo } from '../common/api.js';
import { clearStore, DEFAULT_PREFIX_STORE_CAP, evict, storeUsage } from '../core/train/prefixStore.js';
import type { RunStore } from './runStore.js';

/** The prefix store's folder in the data folder, and the settings key of its size cap (bytes). */
const FOLDER = 'prefix-store';
const CAP = 'prefix-store.cap-bytes';

/** The data folder's prefix store as the service runs it: training processes get its folder and cap with their job. */
export class PrefixStoreSettings {
  readonly dir: string;

  constructor(
    private readonly store: RunStore,
    dataDir: string,
  ) {
    this.dir = path.join(dataDir, FOLDER);
  }

  get capBytes(): number {
    const saved = this.store.getSetting(CAP);
    return saved === null ? DEFAULT_PREFIX_STORE_CAP : Number(saved);
  }

  /** What a training job is told. */
  job(): { dir: string; capBytes: number } {
    return { dir: this.dir, capBytes: this.capBytes };
  }

  async info(): Promise<PrefixStoreInfo> {
    return { folder: this.dir, ...(await storeUsage(this.dir)), capBytes: this.capBytes };
  }

  /** A lower cap takes effect now: least recently used entries beyond it are removed. */
  async setCap(bytes: number): Promise<PrefixStoreInfo> {
    this.store.setSetting(CAP, String(bytes));
    await evict(this.dir, bytes);
    return this.info();
  }

  async clear(): Promise<PrefixStoreInfo> {
    await clearStore(this.dir);
    return this.info();
  }
}
