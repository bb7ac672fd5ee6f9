import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, statfs, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Example } from '../data/examples.js';
import { describeCause } from '../errorReasons.js';
import type { GPT2Config } from '../model/config.js';
import { entryBytes, readEntry, rowOffsets, writeEntry, type EntryHeader } from './prefixEntry.js';

/*
 * The prefix store: frozen-prefix rows kept on disk between runs, one file per key, so a grid of runs on
 * the same model and data computes its prefix once. The key is the sha256 of everything that decides the
 * rows; the folder is its own index (file name = key, size = the file's, last use = its mtime), so
 * several processes share it with no lock: entries are written whole by rename, and the worst two
 * processes filling one entry at once can do is write it twice.
 */

/** Bump when the prefix's numbers change (the blocks' code, the ONNX graph, the batching): old entries then miss. */
export const PREFIX_ENGINE_VERSION = 1;
export const DEFAULT_PREFIX_STORE_CAP = 8 * 2 ** 30;
const ENTRY_EXT = '.prefix';
/** The store's files: prefix entries and trails (prefixTrail.ts); they share the cap and the eviction. */
const ENTRY_NAME = /^[0-9a-f]{64}\.(prefix|trail)$/;
/** Their temp files while written: `<file>.tmp-<pid>`. */
const TEMP_NAME = /^[0-9a-f]{64}\.(prefix|trail)\.tmp-(\d+)$/;

/**
 * What runs queued after this one will read from the store (the service works it out from its queue), so this run
 * keeps it on its way: shallower depths of its dropout-free prefix (entries of their own), and the depth at which
 * the per-step hidden states of its dropped prefix (scope `all`) are kept as a trail; null: none.
 */
export interface PrefixKeep {
  depths: number[];
  trail: number | null;
}

export const KEEP_NOTHING: PrefixKeep = { depths: [], trail: null };

export interface PrefixStoreOptions {
  dir: string;
  /** Least recently used entries are removed while the store holds more than this. */
  capBytes: number;
  /** Where the store says what it did (a hit, a write, an entry it threw away); default stderr. */
  log?: (line: string) => void;
  /** What later runs will read; default nothing beyond the run's own prefix. */
  keep?: PrefixKeep;
}

export interface StoreUsage {
  entries: number;
  bytes: number;
}

/** What decides a run's prefix rows besides the model's weights: the examples and how they were cut. */
export interface PrefixKeyParts {
  /** sha256 of the base weights file, or `random:<seed>` (the seed and model config decide those). */
  weights: string;
  model: Record<string, number>;
  /** The data set's content hash and the cut that made the examples (balance, dedupe, split, split seed, max length). */
  data: unknown;
  /** sha256 of every example's token ids in store order (train, val, test): catches anything the cut misses. */
  examples: string;
  /** Rows per example: the padding length with last-position pooling, else each example's real length. */
  rows: 'real lengths' | `padded to ${number}`;
  /** Frozen blocks. */
  k: number;
  inference: string;
  /** Examples per forward pass: the batches the rows were computed in, so a stored run equals a computed one bit for bit. */
  batch: number;
  engine: number;
}

/** A stored file's key: the sha256 of its parts (an entry's PrefixKeyParts, a trail's TrailKeyParts). */
export function prefixKey(parts: object): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** sha256 of the examples' token ids, each example as its length and ids (int32). */
export function examplesDigest(examples: { ids: number[] }[]): string {
  const hash = createHash('sha256');
  for (const e of examples) hash.update(new Uint8Array(Int32Array.from([e.ids.length, ...e.ids]).buffer));
  return hash.digest('hex');
}

/** A run's way into the store: the store, and what only the run knows of its prefix. */
export interface PrefixStoreUse {
  store: PrefixStore;
  /** The weights and data parts of the key; called only when the run caches a prefix (hashing a weights file takes a while). */
  source(): Promise<Pick<PrefixKeyParts, 'weights' | 'data'>>;
  /** What later runs will read. */
  keep: PrefixKeep;
}

/** What the store needs of a PrefixCache (structurally, so the two files do not import each other). */
interface CacheShape {
  k: number;
  inference: string;
  width: number;
  layout: PrefixKeyParts['rows'];
  rowLength(e: Example): number;
}

/** The parts of a key every stored file of a run shares: the run's source, the model and the examples in store order. */
export type RunKeyParts = Pick<PrefixKeyParts, 'weights' | 'data' | 'model' | 'examples'>;

export async function runKeyParts(use: PrefixStoreUse, model: GPT2Config, examples: Example[]): Promise<RunKeyParts> {
  const { vocabSize, nPositions, nEmbd, nLayer, nHead, layerNormEpsilon } = model;
  return {
    ...(await use.source()),
    model: { vocabSize, nPositions, nEmbd, nLayer, nHead, layerNormEpsilon },
    examples: examplesDigest(examples),
  };
}

/** One run's entry: its key, made of the run's key parts and the cache's shape. */
export function storeEntry(use: PrefixStoreUse, run: RunKeyParts, cache: CacheShape, examples: Example[], batch: number) {
  const parts: PrefixKeyParts = {
    ...run,
    rows: cache.layout,
    k: cache.k,
    inference: cache.inference,
    batch,
    engine: PREFIX_ENGINE_VERSION,
  };
  const key = prefixKey(parts);
  return {
    key,
    read: () =>
      use.store.read(
        key,
        cache.width,
        examples.map((e) => cache.rowLength(e)),
      ),
    write: (rows: Float32Array[]) => use.store.write(key, parts, cache.width, rows),
  };
}

/** Left free on the store's disk beyond what it writes: the runs' checkpoints and the database need it more. */
export const STORE_DISK_MARGIN = 2 * 2 ** 30;

/** Why `bytes` more cannot go to a disk with `free` bytes free, or null when they can. */
export function diskProblem(free: number, bytes: number): string | null {
  if (free - bytes >= STORE_DISK_MARGIN) return null;
  return `its disk has ${formatBytes(free)} free, and ${formatBytes(STORE_DISK_MARGIN)} stay free for the runs`;
}

export class PrefixStore {
  readonly dir: string;
  readonly capBytes: number;
  readonly log: (line: string) => void;

  constructor(options: PrefixStoreOptions) {
    this.dir = options.dir;
    this.capBytes = options.capBytes;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}${ENTRY_EXT}`);
  }

  /**
   * The rows of entry `key`, or null when there is none. An entry that is damaged, truncated or not
   * this key's is removed, with one log line, so the caller computes (and stores) it again.
   */
  async read(key: string, width: number, rowCounts: number[]): Promise<Float32Array[] | null> {
    if (!littleEndian()) return null;
    const file = this.file(key);
    try {
      const found = await readEntry(file, { key, width, offsets: rowOffsets(rowCounts) });
      if ('problem' in found) {
        this.log(`prefix store: entry ${key.slice(0, 12)} was unusable (${found.problem}); computing the prefix again`);
        await rm(file, { force: true });
        return null;
      }
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined); // its last use, for eviction; gone meanwhile is fine
      this.log(`prefix store: read the frozen prefix of ${found.rows.length} examples from entry ${key.slice(0, 12)}`);
      return found.rows;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      this.log(`prefix store: cannot read entry ${key.slice(0, 12)} (${describeCause(err)}); computing the prefix again`);
      return null;
    }
  }

  /**
   * Creates the store's folder and says whether `bytes` more may be stored: no more than the cap, and leaving
   * STORE_DISK_MARGIN free on the disk; else one log line saying why `what` is not stored.
   */
  async makeRoom(what: string, bytes: number): Promise<boolean> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const { bavail, bsize } = await statfs(this.dir);
    const problem =
      bytes > this.capBytes ? `it is larger than the store's cap (${formatBytes(this.capBytes)})` : diskProblem(bavail * bsize, bytes);
    if (problem) this.log(`prefix store: ${what} (${formatBytes(bytes)}) is not stored: ${problem}`);
    return problem === null;
  }

  /** Stores the rows under `key` and evicts down to the cap; a failure is a log line, never the run's end. */
  async write(key: string, parts: PrefixKeyParts, width: number, rows: Float32Array[]): Promise<void> {
    if (!littleEndian()) return;
    const header: EntryHeader = {
      key,
      parts,
      dtype: 'float32-le',
      width,
      offsets: rowOffsets(rows.map((r) => r.length / width)),
    };
    const bytes = entryBytes(header);
    try {
      if (!(await this.makeRoom('the prefix', bytes))) return;
      await writeEntry(this.file(key), header, rows);
      this.log(`prefix store: stored entry ${key.slice(0, 12)} (${formatBytes(bytes)})`);
      await evict(this.dir, this.capBytes);
    } catch (err) {
      this.log(`prefix store: cannot store the prefix (${describeCause(err)}); the run goes on without it`);
    }
  }
}

/** The store's complete entries, newest use first. */
async function entries(dir: string): Promise<{ file: string; bytes: number; used: number }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found = await Promise.all(
    names
      .filter((n) => ENTRY_NAME.test(n))
      .map(async (n) => {
        const file = path.join(dir, n);
        const s = await stat(file).catch(() => null); // evicted by another process meanwhile
        return s && { file, bytes: s.size, used: s.mtimeMs };
      }),
  );
  return found.filter((e) => e !== null).sort((a, b) => b.used - a.used);
}

export async function storeUsage(dir: string): Promise<StoreUsage> {
  const all = await entries(dir);
  return { entries: all.length, bytes: all.reduce((sum, e) => sum + e.bytes, 0) };
}

/**
 * Removes least recently used entries until the rest fit in `capBytes`, and temp files whose writer is
 * gone (a process killed mid-write). A live writer's temp file is left alone.
 */
export async function evict(dir: string, capBytes: number): Promise<void> {
  let kept = 0;
  for (const e of await entries(dir)) {
    kept += e.bytes;
    if (kept > capBytes) await rm(e.file, { force: true });
  }
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = TEMP_NAME.exec(name)?.[2];
    if (pid && !processAlive(Number(pid))) await rm(path.join(dir, name), { force: true });
  }
}

/** Empties the store (a run writing meanwhile loses its entry, never its result). */
export async function clearStore(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (ENTRY_NAME.test(name) || TEMP_NAME.test(name)) await rm(path.join(dir, name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Entries hold host-order floats, written and read in place; the file says little-endian, so others skip the store. */
export function littleEndian(): boolean {
  return os.endianness() === 'LE';
}

/** "929.2 KiB", "8.0 GiB". */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return `${n} B`;
  let unit = -1;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${n.toFixed(1)} ${units[unit]}`;
}
